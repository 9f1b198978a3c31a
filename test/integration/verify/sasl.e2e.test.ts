/**
 * A Kafka that requires SASL: the CLI's clients (migrate's admin, verify's producer) and the
 * embedded ClickHouse's Kafka tables all authenticate, and nothing is lost. The broker is the
 * project's own Kafka 4.4 jars with a SASL_PLAINTEXT listener (PLAIN mechanism).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { jvmArgs, newClusterId, renderLog4j2, renderServerProperties } from '../../../src/kafka/broker.js';
import { waitForKafka } from '../../../src/kafka/admin.js';
import { ensureKafkaRuntime } from '../../../src/kafka/runtime.js';
import { useKafkaSecurity } from '../../../src/kafka/security.js';
import { createLogger } from '../../../src/output/log.js';
import { runCli } from '../../support/cli.js';
import { freePort } from '../../support/ports.js';
import { reportFrom, startClickHouse, startVerify } from '../faults/fixture.js';
import { onCleanup } from '../../support/cleanup.js';


async function startSaslBroker(t: TestContext, dir: string): Promise<{ bootstrap: string; child: ChildProcess }> {
  const runtime = await ensureKafkaRuntime({ cacheDir: resolve(process.env.KCH_CACHE_DIR ?? '.kch/cache'), log: createLogger('test', () => undefined) });
  const [port, controller] = [await freePort(), await freePort()];
  const logDir = join(dir, 'data');
  mkdirSync(logDir, { recursive: true });
  const base = renderServerProperties({ host: '127.0.0.1', port, controllerPort: controller, logDir, advertisedHost: '127.0.0.1' })
    .split('\n').filter((line) => !/^(listeners|advertised\.listeners|listener\.security\.protocol\.map|inter\.broker\.listener\.name)=/.test(line));
  const properties = [
    ...base,
    `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}`,
    'listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=SASL_PLAINTEXT',
    'sasl.enabled.mechanisms=PLAIN',
    'sasl.mechanism.inter.broker.protocol=PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_kch="kch-secret";',
    '',
  ].join('\n');
  const file = join(dir, 'server.properties');
  writeFileSync(file, properties);
  writeFileSync(join(dir, 'log4j2.xml'), renderLog4j2(join(dir, 'server.log')));
  const classpath = ['-cp', runtime.classpath];
  const format = spawnSync(runtime.java, ['-Xmx128m', `-Dlog4j2.configurationFile=${join(dir, 'log4j2.xml')}`, ...classpath, 'kafka.tools.StorageTool', 'format', '--ignore-formatted', '-t', newClusterId(), '-c', file], { encoding: 'utf8' });
  assert.equal(format.status, 0, format.stderr + format.stdout);
  const child = spawn(runtime.java, [...jvmArgs(256 * 1024 ** 2, '256m', join(dir, 'log4j2.xml')), ...classpath, 'kafka.Kafka', file], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  onCleanup(t, async () => { child.kill('SIGTERM'); const t = setTimeout(() => child.kill('SIGKILL'), 30_000); await exited; clearTimeout(t); });
  return { bootstrap: `127.0.0.1:${port}`, child };
}

test('a SASL Kafka: migrate, the producer and the embedded ClickHouse\'s Kafka tables authenticate; nothing is lost; a wrong password is one line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kch-sasl-'));
  onCleanup(t, () => rmSync(dir, { recursive: true, force: true }));
  const { bootstrap, child } = await startSaslBroker(t, join(dir, 'kafka'));
  const password = join(dir, 'kafka-password');
  writeFileSync(password, 'kch-secret\n', { mode: 0o600 });
  const sasl = { KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'kch', KAFKA_SASL_PASSWORD_FILE: password };
  useKafkaSecurity({ protocol: 'sasl_plaintext', sasl: { mechanism: 'PLAIN', username: 'kch', password: 'kch-secret' } });
  await Promise.race([
    waitForKafka(bootstrap, { timeoutMs: 90_000 }),
    new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`the SASL broker exited with ${code}; see ${dir}/kafka/server.log`)))),
  ]);

  const port = await freePort();
  // The embedded ClickHouse takes the SASL password as server configuration, from the environment.
  const server = await startClickHouse(join(dir, 'ch'), port, sasl);
  onCleanup(t, () => server.stop());
  const env = { ...sasl, KAFKA_BROKERS: bootstrap, CLICKHOUSE_URL: `http://127.0.0.1:${port}`, KCH_TOPIC_PREFIX: 'sasl_' };
  const migrated = await runCli(['migrate', '--wait', '90s'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stderr, /created topics sasl_sales, sasl_warehouse/, 'the admin client authenticated');
  const ddl = await runCli(['query', 'SELECT create_table_query FROM system.tables WHERE name = \'sales_kafka\'', '--format', 'TSV'], env);
  assert.match(ddl.stdout, /kafka_security_protocol = \\'sasl_plaintext\\', kafka_sasl_mechanism = \\'PLAIN\\', kafka_sasl_username = \\'kch\\'/);
  assert.doesNotMatch(ddl.stdout, /kafka_sasl_password|kch-secret/, 'the password is no table setting');

  const verify = startVerify(['--count', '3000', '--rate', '1000', '--timeout', '90s'], env);
  onCleanup(t, () => verify.stop());
  assert.equal(await verify.exited, 0, verify.output.slice(-3000));
  const report = reportFrom(verify.output);
  assert.equal(report.lost, 0);
  assert.equal(report.present, 3000, 'the Kafka tables consumed over SASL');
  assert.doesNotMatch(server.output + verify.output + migrated.stderr, /kch-secret/, 'the password is never logged');

  const wrong = await runCli(['verify', '--count', '10', '--timeout', '5s'], { ...env, KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: 'wrong' });
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stderr.trimEnd().split('\n').length, 1, wrong.stderr);
  assert.match(wrong.stderr, /^kch verify: Kafka at 127\.0\.0\.1:\d+ refused our credentials \(SASL authentication failed\.\); check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM$/m);
  assert.doesNotMatch(wrong.stderr, /\n\s+at /);
  process.stdout.write(`# wrong SASL password: ${wrong.stderr}`);
});
