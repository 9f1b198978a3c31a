/** The broker's generated configuration and its small parsers: pure, no JVM needed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import {
  advertisedHostFor, jvmArgs, newClusterId, parseHeap, renderLog4j2, renderServerProperties,
  type BrokerSettings,
} from '../../../src/kafka/broker.js';
import { describeBrokers, parseBrokers } from '../../../src/kafka/brokers.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { properties } from '../../support/properties.js';

const loopback: BrokerSettings = { host: '127.0.0.1', port: 9092, controllerPort: 9093, logDir: '/data/kafka/data', advertisedHost: '127.0.0.1' };

test('server.properties: single-node KRaft, combined roles, both listeners', () => {
  const p = properties(renderServerProperties(loopback));
  assert.equal(p.get('process.roles'), 'broker,controller');
  assert.equal(p.get('node.id'), '1');
  assert.equal(p.get('controller.quorum.voters'), '1@127.0.0.1:9093');
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
  assert.equal(p.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:9092');
  assert.equal(p.get('controller.listener.names'), 'CONTROLLER');
  assert.equal(p.get('listener.security.protocol.map'), 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT');
  assert.equal(p.get('log.dirs'), '/data/kafka/data');
});

test('server.properties: one replica everywhere, auto-creation on, small cleaner buffer, no rebalance delay', () => {
  const p = properties(renderServerProperties(loopback));
  for (const key of ['offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'transaction.state.log.min.isr',
    'share.coordinator.state.topic.replication.factor', 'share.coordinator.state.topic.min.isr', 'default.replication.factor', 'min.insync.replicas']) {
    assert.equal(p.get(key), '1', key);
  }
  assert.equal(p.get('num.partitions'), '1');
  assert.equal(p.get('group.initial.rebalance.delay.ms'), '0');
  assert.equal(p.get('auto.create.topics.enable'), 'true');
  assert.ok(Number(p.get('log.cleaner.dedupe.buffer.size')) <= 16 * 1024 * 1024);
});

test('server.properties: a wildcard host listens everywhere, advertises a reachable address, keeps the controller on loopback', () => {
  const p = properties(renderServerProperties({ ...loopback, host: '0.0.0.0', advertisedHost: '192.168.1.20' }));
  assert.equal(p.get('listeners'), 'PLAINTEXT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093');
  assert.equal(p.get('advertised.listeners'), 'PLAINTEXT://192.168.1.20:9092');
  assert.equal(p.get('controller.quorum.voters'), '1@127.0.0.1:9093');
});

test('server.properties: IPv6 hosts are bracketed, Windows paths escaped', () => {
  const p = properties(renderServerProperties({ ...loopback, host: '::1', advertisedHost: '::1', logDir: 'C:\\kch\\data' }));
  assert.equal(p.get('listeners'), 'PLAINTEXT://[::1]:9092,CONTROLLER://[::1]:9093');
  assert.equal(p.get('log.dirs'), 'C:\\\\kch\\\\data');
});

test('advertised host: the given host, or for a wildcard the first external IPv4, else loopback', () => {
  const iface = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
    ({ address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;
  const interfaces = { lo: [iface('127.0.0.1', 'IPv4', true)], eth0: [iface('fe80::1', 'IPv6', false), iface('10.0.0.5', 'IPv4', false)] };
  assert.equal(advertisedHostFor('127.0.0.1', interfaces), '127.0.0.1');
  assert.equal(advertisedHostFor('0.0.0.0', interfaces), '10.0.0.5');
  assert.equal(advertisedHostFor('0.0.0.0', { lo: interfaces.lo }), '127.0.0.1');
});

test('log4j2 config: writes to the given file, escapes it, warnings to stderr', () => {
  const xml = renderLog4j2('/tmp/a&b/server.log');
  assert.match(xml, /fileName="\/tmp\/a&amp;b\/server\.log"/);
  assert.match(xml, /target="SYSTEM_ERR"/);
  assert.match(xml, /ThresholdFilter level="WARN"/);
});

test('heap sizes: JVM notation accepted, nonsense and tiny heaps refused as usage errors', () => {
  assert.equal(parseHeap('384m'), 384 * 1024 ** 2);
  assert.equal(parseHeap('1G'), 1024 ** 3);
  assert.equal(parseHeap('524288k'), 512 * 1024 ** 2);
  for (const bad of ['12x', '', '1.5g', '-1m', '64m']) {
    assert.throws(() => parseHeap(bad), (error: unknown) => error instanceof KchError && error.code === ErrorCodes.USAGE, bad);
  }
});

test('JVM flags: -Xmx as given, a small -Xms never above it, G1 with a 20 ms target', () => {
  const args = jvmArgs(parseHeap('384m'), '384m', '/x/log4j2.xml');
  assert.ok(args.includes('-Xmx384m'));
  assert.ok(args.includes('-Xms65536k'));
  assert.ok(args.includes('-XX:+UseG1GC'));
  assert.ok(args.includes('-XX:MaxGCPauseMillis=20'));
  assert.ok(args.includes('-Dlog4j2.configurationFile=/x/log4j2.xml'));
  assert.ok(jvmArgs(parseHeap('128m'), '128m', 'f').includes('-Xms65536k'));
});

test('cluster ids look like Kafka\'s: 22 URL-safe base64 characters, never a leading dash', () => {
  for (let i = 0; i < 200; i += 1) assert.match(newClusterId(), /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
});

test('broker lists: host:port, IPv6 in brackets, stray schemes tolerated, mistakes are usage errors', () => {
  assert.deepEqual(parseBrokers('127.0.0.1:9092, kafka:19092'), [{ host: '127.0.0.1', port: 9092 }, { host: 'kafka', port: 19092 }]);
  assert.deepEqual(parseBrokers('[::1]:9092'), [{ host: '::1', port: 9092 }]);
  assert.deepEqual(parseBrokers('PLAINTEXT://broker:9092'), [{ host: 'broker', port: 9092 }]);
  assert.equal(describeBrokers(parseBrokers('[::1]:9092,a:1')), '[::1]:9092,a:1');
  for (const bad of ['', 'localhost', 'localhost:0', 'host:99999', '::1:9092', 'a:b']) {
    assert.throws(() => parseBrokers(bad), (error: unknown) => error instanceof KchError && error.code === ErrorCodes.USAGE, bad);
  }
});

test('server.properties of a cluster node: its id, every voter, three copies and two in sync', async () => {
  const node = { id: 2, voters: '1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097', replicas: 3 };
  const p = properties(renderServerProperties({ ...loopback, port: 9094, controllerPort: 9095, node }));
  assert.equal(p.get('node.id'), '2');
  assert.equal(p.get('controller.quorum.voters'), node.voters);
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:9095');
  for (const key of ['default.replication.factor', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor']) assert.equal(p.get(key), '3', key);
  for (const key of ['min.insync.replicas', 'transaction.state.log.min.isr']) assert.equal(p.get(key), '2', key);
});

test('cluster ports: node n takes both ports + 2(n−1); ports that collide, or too many nodes, are usage errors', async () => {
  const { checkNodeCount, nodePorts } = await import('../../../src/kafka/cluster.js');
  assert.deepEqual(nodePorts(9092, 9093, 3), [
    { id: 1, port: 9092, controllerPort: 9093 }, { id: 2, port: 9094, controllerPort: 9095 }, { id: 3, port: 9096, controllerPort: 9097 },
  ]);
  assert.throws(() => nodePorts(9092, 9094, 3), { code: ErrorCodes.USAGE, message: /give port 9094 to two of 3 nodes/ });
  assert.throws(() => nodePorts(65_532, 65_533, 3), { code: ErrorCodes.USAGE, message: /run past port 65535/ });
  assert.throws(() => checkNodeCount(0), { code: ErrorCodes.USAGE, message: '--nodes (KAFKA_NODES) must be a whole number from 1 to 5, got 0' });
  assert.throws(() => checkNodeCount(6), { code: ErrorCodes.USAGE });
});
