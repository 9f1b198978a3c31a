/**
 * Holds docker-compose.cluster.yml and the ClickHouse configuration it mounts (deploy/cluster/)
 * to what docs/docker.md ("On clusters") promises: three Kafka brokers in one KRaft quorum that
 * keep three copies of each partition and accept a write once two hold it; two ClickHouse
 * replicas of the cluster `kch` with macros of their own and Keeper behind them; our services
 * as in docker-compose.yml, on every broker and ON CLUSTER kch, with options of
 * src/config/options.ts only; nothing published beyond loopback; migrate after every server.
 *
 * The Compose file is read as docker-compose normalized it when KCH_COMPOSE_CONFIG is set:
 * scripts/check-compose.sh writes this file's output beside docker-compose.yml's
 * (normalizedClusterConfig), and a missing one fails here, never falls back. Without
 * KCH_COMPOSE_CONFIG it is parsed here, as compose.test.ts does with docker-compose.yml. The
 * mounted XML files are read from this checkout. Each rule returns its problems and is shown to
 * fail on a broken copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { options } from '../../../src/config/options.js';
import {
  checkRestart, envExample, envExampleOf, loadComposeFile, mountOf, normalizedClusterConfig, optionsByEnv, root,
  type Compose, type EnvExample, type Reference, type Service,
} from '../../support/compose-file.js';

// ---------------------------------------------------------------------------------------
// What the rules compare against.

const fileName = 'docker-compose.cluster.yml';

/** Services of ours, with the CLI command each one runs. */
const ourServices = new Map([
  ['migrate', 'migrate'],
  ['generator', 'generate'],
  ['dashboard', 'dashboard'],
]);

const brokerNames = ['kafka-1', 'kafka-2', 'kafka-3'];
const serverNames = ['clickhouse-1', 'clickhouse-2'];
const keeperName = 'keeper';
/** The cluster's name in deploy/cluster/clickhouse.xml, which our services pass to kch. */
const clusterName = 'kch';

/** Copies of each partition and the copies a write needs, for user and internal topics alike. */
const kafkaReplication = new Map([
  ['KAFKA_DEFAULT_REPLICATION_FACTOR', '3'],
  ['KAFKA_MIN_INSYNC_REPLICAS', '2'],
  ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', '3'],
  ['KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', '3'],
  ['KAFKA_TRANSACTION_STATE_LOG_MIN_ISR', '2'],
  ['KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR', '3'],
  ['KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR', '2'],
]);

/**
 * Variables that the Compose file deliberately sets to something other than the option's
 * default, each for a reason that only holds inside containers or on this cluster.
 */
const containerOverrides = new Map([
  ['KCH_HOST', 'a container must listen on its own interface, not on loopback'],
  ['KAFKA_BROKERS', 'our containers reach every broker at kafka-<n>:19092 on the Compose network'],
  ['KAFKA_BROKERS_FOR_CLICKHOUSE', 'so does ClickHouse (the option has no default)'],
  ['CLICKHOUSE_URL', 'our containers reach ClickHouse at http://clickhouse-1:8123'],
  ['CLICKHOUSE_PASSWORD', 'required in Compose: the servers must have no password-less user'],
  ['CLICKHOUSE_CLUSTER', 'every object ON CLUSTER kch (the option has no default)'],
  ['KAFKA_PARTITIONS', 'one partition per ClickHouse server, or one of them idles'],
]);

/**
 * The host port each published service must use. The first broker and server keep the
 * options' defaults, so that kch's defaults reach them from the host; broker n takes the
 * Kafka port + 2(n−1) as `kch kafka --nodes 3` does, server n the HTTP port + (n−1).
 */
const publishedPorts = new Map<string, { readonly host: number; readonly target: number }>([
  ...brokerNames.map((name, i) => [name, { host: Number(options.kafkaPort.default) + 2 * i, target: Number(options.kafkaPort.default) }] as const),
  ...serverNames.map((name, i) => [name, { host: Number(options.clickhousePort.default) + i, target: 8123 }] as const),
  ['dashboard', { host: Number(options.dashboardPort.default), target: Number(options.dashboardPort.default) }],
]);

const serverConfigDir = '/etc/clickhouse-server/config.d/';
const keeperConfigPath = '/etc/clickhouse-keeper/keeper_config.xml';

// ---------------------------------------------------------------------------------------
// Reading: the Compose file (test/support/compose-file.ts) and the XML files it mounts.

const normalized = process.env.KCH_COMPOSE_CONFIG;
const file = loadComposeFile(fileName, normalized ? normalizedClusterConfig(normalized) : undefined);
const { compose, source, references } = file;

/** An element of a ClickHouse configuration file: enough XML for files written by hand. */
interface XmlElement {
  readonly name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

interface ConfigFile {
  /** Where it is read from (a bind mount's source). */
  readonly path: string;
  readonly xml: XmlElement;
}

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: '\'' };
const decode = (text: string): string => text.replace(/&(lt|gt|amp|quot|apos);/g, (_all, name: string) => entities[name] ?? '');

function parseXml(text: string, where: string): XmlElement {
  const top: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [top];
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of text.matchAll(token)) {
    const [, cdata, closing, name, attributes, selfClosing, chars, stray] = m;
    const current = stack[stack.length - 1] as XmlElement;
    if (stray !== undefined) throw new Error(`${where}: unreadable XML at offset ${m.index}`);
    if (cdata !== undefined) current.text += cdata;
    else if (chars !== undefined) current.text += decode(chars);
    else if (name === undefined) continue; // a comment or the declaration
    else if (closing) {
      if (current.name !== name) throw new Error(`${where}: </${name}> closes <${current.name}>`);
      stack.pop();
    } else {
      const element: XmlElement = { name, attributes: {}, children: [], text: '' };
      for (const a of (attributes ?? '').matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        element.attributes[a[1] as string] = decode(a[2] ?? a[3] ?? '');
      }
      current.children.push(element);
      if (!selfClosing) stack.push(element);
    }
  }
  if (stack.length !== 1) throw new Error(`${where}: <${stack[stack.length - 1]?.name}> is not closed`);
  const [rootElement, ...more] = top.children;
  if (!rootElement || more.length > 0) throw new Error(`${where}: expected one root element`);
  return rootElement;
}

/** Every element at `path` (`remote_servers/kch/shard`) below `element`. */
function at(element: XmlElement, path: string): XmlElement[] {
  let found = [element];
  for (const step of path.split('/')) found = found.flatMap((e) => e.children.filter((c) => c.name === step));
  return found;
}

/** Every element at `path` in any of a server's files. */
const atAll = (files: readonly ConfigFile[], path: string): XmlElement[] => files.flatMap((f) => at(f.xml, path));
const textOf = (element: XmlElement | undefined): string => element?.text.trim() ?? '';

function configFile(path: string): ConfigFile | undefined {
  return existsSync(path) ? { path, xml: parseXml(readFileSync(path, 'utf8'), path) } : undefined;
}

/** Each ClickHouse server's XML files in config.d/, as its mounts give them. */
function serverConfigsOf(c: Compose): Map<string, ConfigFile[]> {
  return new Map(serversOf(c).map(([name, service]) => [name, service.volumes
    .filter((m) => m.bind && m.target.startsWith(serverConfigDir) && m.target.endsWith('.xml'))
    .flatMap((m) => configFile(m.source) ?? [])]));
}

function keeperConfigOf(c: Compose): ConfigFile | undefined {
  const mount = c.get(keeperName)?.volumes.find((m) => m.bind && m.target === keeperConfigPath);
  return mount ? configFile(mount.source) : undefined;
}

// ---------------------------------------------------------------------------------------
// Small readers of the services.

const imageIs = (prefix: string) => (service: Service): boolean => (service.image ?? '').startsWith(prefix);
const brokersOf = (c: Compose): Array<[string, Service]> => [...c].filter(([, s]) => imageIs('apache/kafka:')(s));
const serversOf = (c: Compose): Array<[string, Service]> => [...c].filter(([, s]) => imageIs('clickhouse/clickhouse-server:')(s));
const keepersOf = (c: Compose): Array<[string, Service]> => [...c].filter(([, s]) => imageIs('clickhouse/clickhouse-keeper:')(s));

/** `INTERNAL://kafka-1:19092,HOST://127.0.0.1:9092` → INTERNAL → { host, port }. */
function listenersOf(value: string | undefined): Map<string, { host: string; port: number }> {
  const out = new Map<string, { host: string; port: number }>();
  for (const entry of (value ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][\w-]*):\/\/(.*):(\d+)$/.exec(entry);
    if (m) out.set(m[1] as string, { host: m[2] as string, port: Number(m[3]) });
  }
  return out;
}

const addressList = (value: string | undefined): string[] => (value ?? '').split(',').map((a) => a.trim()).filter(Boolean).toSorted();

/** Each broker's INTERNAL address as it advertises it: what containers are to use. */
function internalAddresses(c: Compose): string[] {
  return brokersOf(c).flatMap(([, s]) => {
    const internal = listenersOf(s.environment.get('KAFKA_ADVERTISED_LISTENERS')).get('INTERNAL');
    return internal ? [`${internal.host}:${internal.port}`] : [];
  }).toSorted();
}

const serverConfigs = serverConfigsOf(compose);
const keeperConfig = keeperConfigOf(compose);

// ---------------------------------------------------------------------------------------
// The rules. Each returns what is wrong, in words a reader of a failing test can act on.

function checkServices(c: Compose): string[] {
  const problems: string[] = [];
  const names = (list: Array<[string, Service]>): string => list.map(([n]) => n).toSorted().join(', ');
  if (names(brokersOf(c)) !== brokerNames.join(', ')) problems.push(`the Kafka brokers are [${names(brokersOf(c))}], expected [${brokerNames.join(', ')}]`);
  for (const [name, s] of brokersOf(c)) if (!/^apache\/kafka:4\./.test(s.image ?? '')) problems.push(`${name} runs "${s.image}", not an apache/kafka 4.x image`);
  if (names(serversOf(c)) !== serverNames.join(', ')) problems.push(`the ClickHouse servers are [${names(serversOf(c))}], expected [${serverNames.join(', ')}]`);
  for (const [name, s] of serversOf(c)) if (!/^clickhouse\/clickhouse-server:[\w.]+$/.test(s.image ?? '')) problems.push(`${name} runs "${s.image}", not clickhouse/clickhouse-server with a tag`);
  if (names(keepersOf(c)) !== keeperName) problems.push(`the Keeper services are [${names(keepersOf(c))}], expected [${keeperName}]`);
  const images = new Set<string | undefined>();
  for (const [name, command] of ourServices) {
    const service = c.get(name);
    if (!service) { problems.push(`service ${name} is missing`); continue; }
    if (!service.build) problems.push(`${name} has no build: Compose v2 would try to pull its image`);
    images.add(service.image);
    if (service.command[0] !== command) problems.push(`${name} runs "${service.command.join(' ')}", expected the ${command} command`);
  }
  if (images.size > 1) problems.push(`migrate, generator and dashboard should share one image, got ${[...images].join(', ')}`);
  return problems;
}

function checkKafkaQuorum(c: Compose): string[] {
  const brokers = brokersOf(c);
  const problems: string[] = [];
  const ids = new Map<string, string>();
  const expected: string[] = [];
  for (const [name, s] of brokers) {
    const env = s.environment;
    const roles = (env.get('KAFKA_PROCESS_ROLES') ?? '').split(',').map((r) => r.trim());
    if (!roles.includes('broker') || !roles.includes('controller')) problems.push(`${name} has roles "${roles.join(',')}", expected broker and controller`);
    const id = env.get('KAFKA_NODE_ID') ?? '';
    if (!/^\d+$/.test(id)) problems.push(`${name} has no numeric KAFKA_NODE_ID`);
    else if (ids.has(id)) problems.push(`${name} and ${ids.get(id)} share node id ${id}`);
    ids.set(id, name);
    const controller = listenersOf(env.get('KAFKA_LISTENERS')).get(env.get('KAFKA_CONTROLLER_LISTENER_NAMES') ?? 'CONTROLLER');
    if (!controller) problems.push(`${name} has no controller listener in KAFKA_LISTENERS`);
    else expected.push(`${id}@${name}:${controller.port}`);
  }
  const voters = expected.toSorted().join(',');
  for (const [name, s] of brokers) {
    const actual = addressList(s.environment.get('KAFKA_CONTROLLER_QUORUM_VOTERS')).join(',');
    if (actual !== voters) problems.push(`${name} has the voters "${actual}", expected every broker: "${voters}"`);
  }
  if (expected.length < 3) problems.push(`a quorum of ${expected.length} voters survives the loss of none; three are needed`);
  const clusterIds = new Set(brokers.map(([, s]) => s.environment.get('CLUSTER_ID') ?? ''));
  if (clusterIds.size !== 1 || clusterIds.has('')) problems.push(`the brokers must share one CLUSTER_ID, have ${[...clusterIds].map((v) => JSON.stringify(v)).join(', ')}`);
  return problems;
}

function checkKafkaReplication(c: Compose): string[] {
  const brokers = brokersOf(c);
  const problems: string[] = [];
  for (const [name, s] of brokers) {
    for (const [variable, value] of kafkaReplication) {
      const actual = s.environment.get(variable);
      if (actual !== value) problems.push(`${name} sets ${variable}=${actual ?? '(nothing)'}, expected ${value}`);
    }
  }
  const copies = Number(kafkaReplication.get('KAFKA_DEFAULT_REPLICATION_FACTOR'));
  if (copies > brokers.length) problems.push(`${copies} copies of each partition need ${copies} brokers, there are ${brokers.length}`);
  return problems;
}

function checkKafkaListeners(c: Compose): string[] {
  const problems: string[] = [];
  const dataVolumes = new Map<string, string>();
  for (const [name, s] of brokersOf(c)) {
    const listening = listenersOf(s.environment.get('KAFKA_LISTENERS'));
    const advertised = listenersOf(s.environment.get('KAFKA_ADVERTISED_LISTENERS'));
    const internal = advertised.get('INTERNAL');
    const internalPort = listening.get('INTERNAL')?.port;
    if (!internal || internal.host !== name || internal.port !== internalPort) {
      problems.push(`${name} advertises INTERNAL as ${JSON.stringify(internal)}, expected ${name}:${internalPort} (its service name and INTERNAL port)`);
    }
    const host = advertised.get('HOST');
    const published = s.ports.find((p) => p.target === listening.get('HOST')?.port);
    if (!host || !published || host.host !== '127.0.0.1' || host.port !== published.published) {
      problems.push(`${name} advertises HOST as ${JSON.stringify(host)}, expected 127.0.0.1 and the port its HOST listener is published on (${published?.published ?? 'none'})`);
    }
    const logDir = s.environment.get('KAFKA_LOG_DIRS');
    const volume = s.volumes.find((m) => m.target === logDir);
    if (!volume || volume.bind || volume.source === '') problems.push(`${name} keeps its data (${logDir}) in no named volume`);
    else if (dataVolumes.has(volume.source)) problems.push(`${name} and ${dataVolumes.get(volume.source)} share the volume ${volume.source}`);
    else dataVolumes.set(volume.source, name);
  }
  return problems;
}

function checkServerMounts(c: Compose): string[] {
  const problems: string[] = [];
  for (const [name, s] of serversOf(c)) {
    const mounts = s.volumes.filter((m) => m.target.startsWith(serverConfigDir));
    if (mounts.length === 0) problems.push(`${name} mounts no configuration into ${serverConfigDir}`);
    for (const m of mounts) {
      if (!m.bind || !m.source.startsWith(`${root}/`)) problems.push(`${name} mounts ${m.target} from ${m.source || 'a volume'}, not from a file of this repository`);
      else if (!existsSync(m.source)) problems.push(`${name} mounts ${m.source}, which does not exist`);
      if (!m.readOnly) problems.push(`${name} mounts ${m.target} writable; the server only reads it (:ro)`);
    }
    const data = s.volumes.find((m) => m.target === '/var/lib/clickhouse');
    if (!data || data.bind) problems.push(`${name} keeps /var/lib/clickhouse in no named volume`);
  }
  const k = c.get(keeperName);
  const keeperMount = k?.volumes.find((m) => m.target === keeperConfigPath);
  if (k && (!keeperMount?.bind || !keeperMount.readOnly || !keeperMount.source.startsWith(`${root}/`))) {
    problems.push(`${keeperName} should mount a file of this repository read-only at ${keeperConfigPath}, mounts ${JSON.stringify(keeperMount)}`);
  }
  return problems;
}

function checkClusterConfig(c: Compose, configs: ReadonlyMap<string, readonly ConfigFile[]>, keeper: ConfigFile | undefined): string[] {
  const problems: string[] = [];
  const servers = serversOf(c).map(([name]) => name);
  const keeperPort = textOf(keeper ? at(keeper.xml, 'keeper_server/tcp_port')[0] : undefined);
  const macros = new Map<string, { shard: string; replica: string }>();
  const definitions = new Set<string>();
  for (const name of servers) {
    const files = configs.get(name) ?? [];
    const clusters = atAll(files, `remote_servers/${clusterName}`);
    if (clusters.length !== 1) { problems.push(`${name} defines the cluster ${clusterName} ${clusters.length} times in <remote_servers>, expected once`); continue; }
    const cluster = clusters[0] as XmlElement;
    definitions.add(JSON.stringify(cluster));
    const shards = at(cluster, 'shard');
    if (shards.length !== 1) problems.push(`${name}: the cluster ${clusterName} has ${shards.length} shards, expected one`);
    for (const shard of shards) {
      if (textOf(at(shard, 'internal_replication')[0]) !== 'true') problems.push(`${name}: the shard lacks <internal_replication>true</internal_replication>: a Distributed table would write each row to every replica itself`);
      const replicas = at(shard, 'replica');
      const hosts = replicas.map((r) => `${textOf(at(r, 'host')[0])}:${textOf(at(r, 'port')[0])}`).toSorted().join(', ');
      const expectedHosts = servers.map((s) => `${s}:9000`).toSorted().join(', ');
      if (hosts !== expectedHosts) problems.push(`${name}: the replicas of ${clusterName} are [${hosts}], expected every server's native port: [${expectedHosts}]`);
      for (const replica of replicas) {
        const host = textOf(at(replica, 'host')[0]);
        const user = at(replica, 'user')[0];
        const password = at(replica, 'password')[0];
        if (user?.attributes.from_env !== 'CLICKHOUSE_USER') problems.push(`${name}: replica ${host} logs in as no <user from_env="CLICKHOUSE_USER"/>`);
        if (password?.attributes.from_env !== 'CLICKHOUSE_PASSWORD') problems.push(`${name}: replica ${host} logs in with no <password from_env="CLICKHOUSE_PASSWORD"/>`);
        if (textOf(password) !== '') problems.push(`${name}: replica ${host} has a password written into the repository`);
      }
    }
    const nodes = atAll(files, 'zookeeper/node');
    const keeperNodes = nodes.map((n) => `${textOf(at(n, 'host')[0])}:${textOf(at(n, 'port')[0])}`);
    if (keeperNodes.length === 0 || keeperNodes.some((n) => n !== `${keeperName}:${keeperPort}`)) {
      problems.push(`${name}: <zookeeper> names [${keeperNodes.join(', ')}], expected ${keeperName}:${keeperPort} (deploy/cluster/keeper.xml's tcp_port)`);
    }
    const ddl = atAll(files, 'distributed_ddl/path').map(textOf);
    if (ddl.join() !== '/clickhouse/task_queue/ddl') problems.push(`${name}: <distributed_ddl><path> is [${ddl.join(', ')}], expected /clickhouse/task_queue/ddl`);
    const ownMacros = atAll(files, 'macros');
    if (ownMacros.length !== 1) problems.push(`${name} defines <macros> ${ownMacros.length} times, expected once`);
    const shard = textOf(atAll(files, 'macros/shard')[0]);
    const replica = textOf(atAll(files, 'macros/replica')[0]);
    if (shard === '' || replica === '') problems.push(`${name} lacks the shard or replica macro: ReplicatedMergeTree's path and replica name use both`);
    macros.set(name, { shard, replica });
    const interserver = atAll(files, 'interserver_http_host').map(textOf);
    if (interserver.join() !== name) problems.push(`${name}: <interserver_http_host> is [${interserver.join(', ')}], expected ${name}, the name the other replica fetches parts by`);
  }
  if (definitions.size > 1) problems.push(`the servers define the cluster ${clusterName} differently`);
  const replicaNames = [...macros.values()].map((m) => m.replica);
  if (new Set(replicaNames).size !== replicaNames.length) problems.push(`the replica macros repeat (${replicaNames.join(', ')}): two servers would claim one replica`);
  const shardNames = new Set([...macros.values()].map((m) => m.shard));
  if (shardNames.size > 1) problems.push(`the shard macros differ (${[...shardNames].join(', ')}), the cluster has one shard`);
  return problems;
}

function checkKeeperConfig(c: Compose, keeper: ConfigFile | undefined): string[] {
  const service = c.get(keeperName);
  if (!service) return [];
  if (!keeper) return [`${keeperName}'s ${keeperConfigPath} is no readable file of this repository`];
  const problems: string[] = [];
  const listen = at(keeper.xml, 'listen_host').map(textOf);
  if (listen.length === 0 || listen.every((h) => h === '127.0.0.1' || h === '::1' || h === 'localhost')) {
    problems.push(`${keeperName} listens on [${listen.join(', ') || 'loopback, the default'}]: the ClickHouse servers could not reach it`);
  }
  if (textOf(at(keeper.xml, 'keeper_server/tcp_port')[0]) === '') problems.push(`${keeperName} has no keeper_server/tcp_port`);
  if (at(keeper.xml, 'keeper_server/raft_configuration/server').length === 0) problems.push(`${keeperName} has no raft_configuration server`);
  const control = textOf(at(keeper.xml, 'keeper_server/http_control/port')[0]);
  const check = (service.healthcheck ?? []).join(' ');
  if (control === '' || !check.includes(`:${control}/ready`)) problems.push(`${keeperName}'s healthcheck (${check}) should ask /ready on its http_control port (${control || 'none'})`);
  return problems;
}

function checkEnvironmentNames(c: Compose): string[] {
  return [...ourServices.keys()].flatMap((name) => [...(c.get(name)?.environment.keys() ?? [])]
    .filter((variable) => !optionsByEnv.has(variable))
    .map((variable) => `${name} sets ${variable}, which is no option in src/config/options.ts`));
}

function checkEnvironmentValues(c: Compose): string[] {
  return [...ourServices.keys()].flatMap((name) => [...(c.get(name)?.environment ?? [])].flatMap(([variable, value]) => {
    const spec = optionsByEnv.get(variable);
    if (!spec || containerOverrides.has(variable)) return [];
    const expected = spec.default ?? '';
    return value === expected ? [] : [`${name} gets ${variable}="${value}", but the option's default is "${expected}" (add it to containerOverrides if intended)`];
  }));
}

function checkClusterEnvironment(c: Compose, configs: ReadonlyMap<string, readonly ConfigFile[]>): string[] {
  const problems: string[] = [];
  const brokers = internalAddresses(c).join(',');
  const servers = serversOf(c).map(([name]) => name);
  for (const name of ourServices.keys()) {
    const env = c.get(name)?.environment;
    if (!env) continue;
    const cluster = env.get('CLICKHOUSE_CLUSTER');
    if (cluster !== clusterName) problems.push(`${name} gets CLICKHOUSE_CLUSTER=${cluster ?? '(nothing)'}, expected ${clusterName}`);
    for (const [server, files] of configs) {
      if (cluster && atAll(files, `remote_servers/${cluster}`).length === 0) problems.push(`${name}'s cluster ${cluster} is not in ${server}'s <remote_servers>`);
    }
    for (const variable of ['KAFKA_BROKERS', 'KAFKA_BROKERS_FOR_CLICKHOUSE']) {
      const actual = addressList(env.get(variable)).join(',');
      if (actual !== brokers) problems.push(`${name} gets ${variable}=${actual}, expected every broker's INTERNAL address: ${brokers}`);
    }
    const url = /^http:\/\/([^:/]+):8123\/?$/.exec(env.get('CLICKHOUSE_URL') ?? '');
    if (!url || !servers.includes(url[1] as string)) problems.push(`${name} gets CLICKHOUSE_URL=${env.get('CLICKHOUSE_URL')}, expected the HTTP port of one of ${servers.join(', ')}`);
    const partitions = Number(env.get('KAFKA_PARTITIONS') ?? options.partitions.default);
    if (!(partitions >= servers.length)) problems.push(`${name} gets KAFKA_PARTITIONS=${env.get('KAFKA_PARTITIONS')}: fewer partitions than the ${servers.length} servers whose Kafka tables share the consumer group, so one would idle`);
  }
  return problems;
}

function checkInterpolationDefaults(refs: readonly Reference[]): string[] {
  return refs.flatMap((ref) => {
    const spec = optionsByEnv.get(ref.name);
    if (!spec) return [`${fileName} uses \${${ref.name}}, which is no option in src/config/options.ts`];
    if ((ref.operator !== ':-' && ref.operator !== '-') || containerOverrides.has(ref.name)) return [];
    const expected = spec.default ?? '';
    return ref.argument === expected ? [] : [`\${${ref.name}${ref.operator}${ref.argument}} defaults to "${ref.argument}", the option to "${expected}"`];
  });
}

function checkPorts(c: Compose): string[] {
  const problems: string[] = [];
  const taken = new Map<number, string>();
  for (const [name, service] of c) {
    for (const port of service.ports) {
      if (port.hostIp !== '127.0.0.1') problems.push(`${name} publishes port ${port.target} on ${port.hostIp}, not 127.0.0.1 only`);
      if (port.published !== undefined) {
        if (taken.has(port.published)) problems.push(`${name} and ${taken.get(port.published)} both publish host port ${port.published}`);
        taken.set(port.published, name);
      }
    }
  }
  for (const [name, expected] of publishedPorts) {
    const service = c.get(name);
    if (!service) continue;
    if (!service.ports.some((p) => p.published === expected.host && p.target === expected.target)) {
      problems.push(`${name} should publish ${expected.host}:${expected.target}, publishes ${JSON.stringify(service.ports)}`);
    }
  }
  return problems;
}

function checkHealthchecks(c: Compose): string[] {
  return [...brokersOf(c), ...serversOf(c), ...keepersOf(c)].filter(([, s]) => !s.healthcheck)
    .map(([name]) => `${name} has no healthcheck: its dependants could start before it is ready`);
}

function checkDependencies(c: Compose): string[] {
  const brokers = brokersOf(c).map(([name]) => name);
  const servers = serversOf(c).map(([name]) => name);
  const required: Array<readonly [string, string, string]> = [
    ...brokers.map((b) => ['migrate', b, 'service_healthy'] as const),
    ...servers.map((s) => ['migrate', s, 'service_healthy'] as const),
    ...brokers.map((b) => ['generator', b, 'service_healthy'] as const),
    ['generator', 'migrate', 'service_completed_successfully'],
    ...servers.map((s) => ['dashboard', s, 'service_healthy'] as const),
    ['dashboard', 'migrate', 'service_completed_successfully'],
    ...servers.map((s) => [s, keeperName, 'service_healthy'] as const),
  ];
  const problems = required.flatMap(([from, to, condition]) => {
    const actual = c.get(from)?.dependsOn.get(to);
    return c.has(from) && actual !== condition ? [`${from} should wait for ${to} with ${condition}, has ${actual ?? 'nothing'}`] : [];
  });
  // Any wait on a service with a healthcheck, or on migrate, must be the strict one.
  for (const [from, service] of c) {
    for (const [to, condition] of service.dependsOn) {
      const target = c.get(to);
      if (!target) { problems.push(`${from} waits for ${to}, which is no service`); continue; }
      const expected = to === 'migrate' ? 'service_completed_successfully' : target.healthcheck ? 'service_healthy' : undefined;
      if (expected && condition !== expected && !required.some(([f, t]) => f === from && t === to)) {
        problems.push(`${from} waits for ${to} with ${condition}, not ${expected}`);
      }
    }
  }
  return problems;
}

function checkClickhousePassword(c: Compose, refs: readonly Reference[]): string[] {
  const problems: string[] = [];
  for (const [server, s] of serversOf(c)) {
    if ((s.environment.get('CLICKHOUSE_PASSWORD') ?? '') === '') problems.push(`${server} gets no CLICKHOUSE_PASSWORD: its user would have none`);
    for (const variable of ['CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD']) {
      for (const name of ourServices.keys()) {
        const value = c.get(name)?.environment.get(variable);
        if (c.has(name) && value !== s.environment.get(variable)) problems.push(`${name}'s ${variable} differs from ${server}'s`);
      }
    }
  }
  for (const ref of refs.filter((r) => r.name === 'CLICKHOUSE_PASSWORD')) {
    if (ref.operator !== ':?') problems.push(`\${CLICKHOUSE_PASSWORD${ref.operator}${ref.argument}} must be \${CLICKHOUSE_PASSWORD:?…}: required, never empty`);
  }
  return problems;
}

/**
 * Variables of .env.example for docker-compose.yml alone, each with the reason this file has no
 * use for it.
 */
const singleNodeOnly = new Map([
  ['KCH_INGEST', 'the sink is not yet built for a cluster (kch migrate refuses --ingest sink there): this file runs the engine'],
]);

/** .env.example serves both Compose files: each variable this one uses is there, documented, and every value suits this file too. */
function checkEnvExample(refs: readonly Reference[], example: EnvExample): string[] {
  const used = new Set(refs.map((ref) => ref.name));
  const problems: string[] = [];
  for (const name of used) {
    if (!example.values.has(name)) problems.push(`.env.example lacks ${name}, which ${fileName} uses`);
    else if (!example.documented.has(name)) problems.push(`.env.example has no comment right above ${name}`);
  }
  for (const [name, value] of example.values) {
    if (!used.has(name) && !singleNodeOnly.has(name)) problems.push(`.env.example lists ${name}, which ${fileName} does not use`);
    const uses = refs.filter((ref) => ref.name === name);
    // Empty leaves this file's own default, where every use has one (${NAME:-…}).
    if (value === '' && uses.length > 0 && uses.every((ref) => ref.operator === ':-')) continue;
    const spec = optionsByEnv.get(name);
    const own = uses.find((ref) => ref.operator === ':-' || ref.operator === '-')?.argument;
    if (spec && containerOverrides.has(name) && own !== undefined && value !== own) {
      problems.push(`.env.example sets ${name}=${value}, which overrides ${fileName}'s default "${own}" (${containerOverrides.get(name)}); leave it empty`);
    } else if (spec && !containerOverrides.has(name) && value !== (spec.default ?? '')) {
      problems.push(`.env.example sets ${name}=${value}, the option's default is "${spec.default ?? ''}"`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// The real files.

test(`the cluster Compose file (${source}) has three brokers, Keeper, two ClickHouse servers and our services from one image`, () => {
  assert.deepEqual(checkServices(compose), []);
});

test('the three brokers are one KRaft quorum of three voters with one cluster id', () => {
  assert.deepEqual(checkKafkaQuorum(compose), []);
});

test('topics, internal ones included, keep three copies and accept a write once two hold it', () => {
  assert.deepEqual(checkKafkaReplication(compose), []);
});

test('each broker advertises its service name to containers and its published loopback port to the host, and keeps its own volume', () => {
  assert.deepEqual(checkKafkaListeners(compose), []);
});

test('both ClickHouse servers and Keeper mount their configuration from this repository, read-only', () => {
  assert.deepEqual(checkServerMounts(compose), []);
});

test(`the mounted XML makes the cluster ${clusterName} of one shard and two replicas, with macros of their own, Keeper and credentials from the environment`, () => {
  assert.equal(serverConfigs.size, serverNames.length, 'a configuration per server');
  assert.deepEqual(checkClusterConfig(compose, serverConfigs, keeperConfig), []);
});

test('Keeper listens beyond loopback, and its healthcheck asks whether it has a leader', () => {
  assert.deepEqual(checkKeeperConfig(compose, keeperConfig), []);
});

test('every variable our services get is an option of src/config/options.ts', () => {
  assert.deepEqual(checkEnvironmentNames(compose), []);
});

test('our services get the options\' defaults except for the listed container overrides', () => {
  assert.deepEqual(checkEnvironmentValues(compose), []);
});

test(`our services get CLICKHOUSE_CLUSTER=${clusterName}, every broker, a server of the cluster, and a partition per server`, () => {
  assert.deepEqual(checkClusterEnvironment(compose, serverConfigs), []);
});

test(`defaults written in ${fileName} (\${VAR:-default}) equal the options' defaults, overrides apart`, () => {
  assert.ok(references.length > 0, `${fileName} references no variable at all`);
  assert.deepEqual(checkInterpolationDefaults(references), []);
});

test('published ports bind 127.0.0.1 only, once each, the first broker and server on the options\' defaults', () => {
  assert.deepEqual(checkPorts(compose), []);
});

test('every broker, server and Keeper has a healthcheck', () => {
  assert.deepEqual(checkHealthchecks(compose), []);
});

test('migrate waits for every broker and both servers to be healthy, the servers for Keeper, generator and dashboard for migrate', () => {
  assert.deepEqual(checkDependencies(compose), []);
});

test('every service but the one-shot migrate has a restart policy', () => {
  assert.deepEqual(checkRestart(compose), []);
});

test('both ClickHouse servers get a required password, and our services the same user and password', () => {
  assert.deepEqual(checkClickhousePassword(compose, references), []);
});

test(`.env.example documents every variable ${fileName} uses, with values that suit it`, () => {
  assert.deepEqual(checkEnvExample(references, envExample), []);
});

test(`this test reads ${fileName} the way docker-compose normalized it`, { skip: file.normalized ? false : 'KCH_COMPOSE_CONFIG is not set' }, () => {
  // Keeps the test's own reader (used when no normalized config is given) honest.
  assert.deepEqual(file.fromRaw(), compose);
});

// ---------------------------------------------------------------------------------------
// Each rule fails on a copy broken in the way it guards against.

function broken(change: (copy: Compose) => void): Compose {
  const copy = structuredClone(compose);
  change(copy);
  return copy;
}

function brokenConfigs(change: (copy: Map<string, ConfigFile[]>) => void): Map<string, ConfigFile[]> {
  const copy = structuredClone(serverConfigs);
  change(copy);
  return copy;
}

function service(copy: Compose, name: string): Service {
  const found = copy.get(name);
  assert.ok(found, `${name} is missing from ${fileName}`);
  return found;
}

/** The first element at `path` in a server's files of a broken copy. */
function element(copy: Map<string, ConfigFile[]>, server: string, path: string): XmlElement {
  const found = atAll(copy.get(server) ?? [], path)[0];
  assert.ok(found, `${server} has no ${path}`);
  return found;
}

function assertProblem(problems: readonly string[], pattern: RegExp): void {
  assert.ok(problems.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got ${JSON.stringify(problems)}`);
}

test('the rules catch a missing broker or server, a wrong image, a service without build and a wrong command', () => {
  assertProblem(checkServices(broken((c) => c.delete('kafka-3'))), /the Kafka brokers are \[kafka-1, kafka-2\]/);
  assertProblem(checkServices(broken((c) => c.delete('clickhouse-2'))), /the ClickHouse servers are \[clickhouse-1\]/);
  assertProblem(checkServices(broken((c) => { service(c, 'keeper').image = 'zookeeper:3.9'; })), /Keeper services are \[\]/);
  assertProblem(checkServices(broken((c) => { service(c, 'kafka-2').image = 'apache/kafka:3.9.0'; })), /kafka-2 runs "apache\/kafka:3\.9\.0"/);
  assertProblem(checkServices(broken((c) => { service(c, 'generator').build = false; })), /generator has no build/);
  assertProblem(checkServices(broken((c) => { service(c, 'migrate').command = ['up']; })), /expected the migrate command/);
  assertProblem(checkServices(broken((c) => { service(c, 'dashboard').image = 'other:1'; })), /share one image/);
});

test('the rules catch a broker outside the quorum, a shared node id, a broker that is not a controller and two cluster ids', () => {
  assertProblem(checkKafkaQuorum(broken((c) => { service(c, 'kafka-3').environment.set('KAFKA_CONTROLLER_QUORUM_VOTERS', '1@kafka-1:9093,2@kafka-2:9093'); })), /kafka-3 has the voters "1@kafka-1:9093,2@kafka-2:9093"/);
  assertProblem(checkKafkaQuorum(broken((c) => { service(c, 'kafka-2').environment.set('KAFKA_NODE_ID', '1'); })), /share node id 1/);
  assertProblem(checkKafkaQuorum(broken((c) => { service(c, 'kafka-2').environment.set('KAFKA_PROCESS_ROLES', 'broker'); })), /kafka-2 has roles "broker"/);
  assertProblem(checkKafkaQuorum(broken((c) => { service(c, 'kafka-1').environment.set('CLUSTER_ID', 'other'); })), /share one CLUSTER_ID/);
  assertProblem(checkKafkaQuorum(broken((c) => { c.delete('kafka-3'); c.delete('kafka-2'); })), /survives the loss of none/);
});

test('the rules catch fewer copies, a min ISR of 1 and more copies than brokers', () => {
  assertProblem(checkKafkaReplication(broken((c) => { service(c, 'kafka-1').environment.set('KAFKA_DEFAULT_REPLICATION_FACTOR', '1'); })), /kafka-1 sets KAFKA_DEFAULT_REPLICATION_FACTOR=1, expected 3/);
  assertProblem(checkKafkaReplication(broken((c) => { service(c, 'kafka-2').environment.set('KAFKA_MIN_INSYNC_REPLICAS', '1'); })), /kafka-2 sets KAFKA_MIN_INSYNC_REPLICAS=1/);
  assertProblem(checkKafkaReplication(broken((c) => { service(c, 'kafka-3').environment.delete('KAFKA_TRANSACTION_STATE_LOG_MIN_ISR'); })), /KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=\(nothing\)/);
  assertProblem(checkKafkaReplication(broken((c) => c.delete('kafka-3'))), /3 copies of each partition need 3 brokers, there are 2/);
});

test('the rules catch a wrong advertised address, a host port that is not the published one, and a shared data volume', () => {
  assertProblem(checkKafkaListeners(broken((c) => { service(c, 'kafka-2').environment.set('KAFKA_ADVERTISED_LISTENERS', 'INTERNAL://kafka:19092,HOST://127.0.0.1:9094'); })), /kafka-2 advertises INTERNAL/);
  assertProblem(checkKafkaListeners(broken((c) => { service(c, 'kafka-3').environment.set('KAFKA_ADVERTISED_LISTENERS', 'INTERNAL://kafka-3:19092,HOST://127.0.0.1:9092'); })), /kafka-3 advertises HOST.*\(9096\)/);
  assertProblem(checkKafkaListeners(broken((c) => { service(c, 'kafka-3').volumes = service(c, 'kafka-1').volumes; })), /kafka-3 and kafka-1 share the volume/);
  assertProblem(checkKafkaListeners(broken((c) => { service(c, 'kafka-2').volumes = []; })), /kafka-2 keeps its data .* in no named volume/);
});

test('the rules catch a server without its configuration, a writable or missing mount, and Keeper without its file', () => {
  assertProblem(checkServerMounts(broken((c) => { service(c, 'clickhouse-2').volumes = service(c, 'clickhouse-2').volumes.filter((m) => !m.target.startsWith(serverConfigDir)); })), /clickhouse-2 mounts no configuration/);
  assertProblem(checkServerMounts(broken((c) => { const s = service(c, 'clickhouse-1'); s.volumes = s.volumes.map((m) => ({ ...m, readOnly: false })); })), /clickhouse-1 mounts .* writable/);
  assertProblem(checkServerMounts(broken((c) => { const s = service(c, 'clickhouse-1'); s.volumes = s.volumes.map((m) => (m.bind ? { ...m, source: join(root, 'deploy/cluster/nothing.xml') } : m)); })), /does not exist/);
  assertProblem(checkServerMounts(broken((c) => { service(c, 'keeper').volumes = []; })), /keeper should mount a file of this repository/);
});

test('the rules catch equal macros, a missing macro, a cluster of one replica, no internal replication, a written password, another Keeper and no DDL path', () => {
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { element(c, 'clickhouse-2', 'macros/replica').text = 'r1'; }), keeperConfig), /the replica macros repeat \(r1, r1\)/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { element(c, 'clickhouse-2', 'macros/shard').text = '02'; }), keeperConfig), /the shard macros differ/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { element(c, 'clickhouse-1', 'macros').children = []; }), keeperConfig), /clickhouse-1 lacks the shard or replica macro/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => {
    const shard = element(c, 'clickhouse-1', `remote_servers/${clusterName}/shard`);
    shard.children = shard.children.filter((e) => e.name !== 'replica' || !JSON.stringify(e).includes('clickhouse-2'));
  }), keeperConfig), /clickhouse-1: the replicas of kch are \[clickhouse-1:9000\]/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { element(c, 'clickhouse-2', `remote_servers/${clusterName}/shard/internal_replication`).text = 'false'; }), keeperConfig), /clickhouse-2: the shard lacks <internal_replication>/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { element(c, 'clickhouse-1', `remote_servers/${clusterName}/shard/replica/password`).attributes = {}; }), keeperConfig),
    /replica clickhouse-1 logs in with no <password from_env="CLICKHOUSE_PASSWORD"\/>/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { element(c, 'clickhouse-1', `remote_servers/${clusterName}/shard/replica/password`).text = 'change-me'; }), keeperConfig),
    /replica clickhouse-1 has a password written into the repository/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { element(c, 'clickhouse-2', `remote_servers/${clusterName}/shard/replica/user`).attributes = {}; }), keeperConfig),
    /replica clickhouse-1 logs in as no <user from_env="CLICKHOUSE_USER"\/>/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { element(c, 'clickhouse-2', 'zookeeper/node/host').text = 'zookeeper'; }), keeperConfig), /clickhouse-2: <zookeeper> names \[zookeeper:9181\]/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { element(c, 'clickhouse-1', 'distributed_ddl/path').text = '/ddl'; }), keeperConfig), /<distributed_ddl><path> is \[\/ddl\]/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { element(c, 'clickhouse-2', 'interserver_http_host').text = 'localhost'; }), keeperConfig), /clickhouse-2: <interserver_http_host> is \[localhost\]/);
  assertProblem(checkClusterConfig(compose, brokenConfigs((c) => { c.set('clickhouse-2', []); }), keeperConfig), /clickhouse-2 defines the cluster kch 0 times/);
});

test('the rules catch Keeper on loopback only and a healthcheck on another port', () => {
  assert.ok(keeperConfig, 'deploy/cluster/keeper.xml is mounted');
  const loopback = structuredClone(keeperConfig);
  loopback.xml.children = loopback.xml.children.filter((e) => e.name !== 'listen_host');
  assertProblem(checkKeeperConfig(compose, loopback), /keeper listens on \[loopback, the default\]/);
  assertProblem(checkKeeperConfig(broken((c) => { service(c, 'keeper').healthcheck = ['CMD', 'wget', '--spider', 'http://127.0.0.1:9999/ready']; }), keeperConfig), /should ask \/ready on its http_control port \(9182\)/);
  assertProblem(checkKeeperConfig(compose, undefined), /no readable file/);
});

test('the rules catch an unknown variable, a drifted value, no cluster, a missing broker, another URL and one partition', () => {
  assertProblem(checkEnvironmentNames(broken((c) => { service(c, 'migrate').environment.set('CLICKHOUSE_CLUSTER_NAME', 'kch'); })), /CLICKHOUSE_CLUSTER_NAME, which is no option/);
  assertProblem(checkEnvironmentValues(broken((c) => { service(c, 'generator').environment.set('GENERATOR_RATE', 'max'); })), /GENERATOR_RATE="max"/);
  assertProblem(checkClusterEnvironment(broken((c) => { service(c, 'dashboard').environment.delete('CLICKHOUSE_CLUSTER'); }), serverConfigs), /dashboard gets CLICKHOUSE_CLUSTER=\(nothing\)/);
  assertProblem(checkClusterEnvironment(broken((c) => { service(c, 'migrate').environment.set('CLICKHOUSE_CLUSTER', 'other'); }), serverConfigs), /migrate's cluster other is not in clickhouse-1's <remote_servers>/);
  assertProblem(checkClusterEnvironment(broken((c) => { service(c, 'generator').environment.set('KAFKA_BROKERS', 'kafka-1:19092'); }), serverConfigs), /generator gets KAFKA_BROKERS=kafka-1:19092, expected every broker/);
  assertProblem(checkClusterEnvironment(broken((c) => { service(c, 'migrate').environment.set('KAFKA_BROKERS_FOR_CLICKHOUSE', '127.0.0.1:9092'); }), serverConfigs), /KAFKA_BROKERS_FOR_CLICKHOUSE=127\.0\.0\.1:9092/);
  assertProblem(checkClusterEnvironment(broken((c) => { service(c, 'dashboard').environment.set('CLICKHOUSE_URL', 'http://clickhouse:8123'); }), serverConfigs), /CLICKHOUSE_URL=http:\/\/clickhouse:8123/);
  assertProblem(checkClusterEnvironment(broken((c) => { service(c, 'migrate').environment.set('KAFKA_PARTITIONS', '1'); }), serverConfigs), /KAFKA_PARTITIONS=1: fewer partitions than the 2 servers/);
});

test('the rules catch a drifted ${VAR:-default}, a variable that is no option, and .env.example entries that do not suit this file', () => {
  assertProblem(checkInterpolationDefaults([{ name: 'DASHBOARD_PORT', operator: ':-', argument: '8080' }]), /defaults to "8080", the option to "3000"/);
  assertProblem(checkInterpolationDefaults([{ name: 'KAFKA_BROKER_COUNT', operator: ':-', argument: '3' }]), /KAFKA_BROKER_COUNT.*no option/);
  assert.deepEqual(checkInterpolationDefaults([{ name: 'KAFKA_PARTITIONS', operator: ':-', argument: '2' }]), [], 'a listed override may default to its own value');
  const partitions: Reference = { name: 'KAFKA_PARTITIONS', operator: ':-', argument: '2' };
  assertProblem(checkEnvExample([partitions], envExampleOf('# partitions\nKAFKA_PARTITIONS=1\n')), /KAFKA_PARTITIONS=1, which overrides .*default "2".*leave it empty/);
  assert.deepEqual(checkEnvExample([partitions], envExampleOf('# partitions\nKAFKA_PARTITIONS=\n')), []);
  assertProblem(checkEnvExample([...references, { name: 'KAFKA_NODES', operator: '', argument: '' }], envExample), /lacks KAFKA_NODES/);
  assertProblem(checkEnvExample([], envExampleOf('# heap\nKAFKA_HEAP=384m\n')), /KAFKA_HEAP, which docker-compose\.cluster\.yml does not use/);
  assertProblem(checkEnvExample([{ name: 'KAFKA_HEAP', operator: ':-', argument: '384m' }], envExampleOf('KAFKA_HEAP=384m\n')), /no comment right above KAFKA_HEAP/);
});

test('the rules catch a port beyond loopback, a port published twice and a first broker off the default port', () => {
  assertProblem(checkPorts(broken((c) => { service(c, 'clickhouse-2').ports = [{ hostIp: '0.0.0.0', published: 8124, target: 8123 }]; })), /clickhouse-2 publishes port 8123 on 0\.0\.0\.0/);
  assertProblem(checkPorts(broken((c) => { service(c, 'clickhouse-2').ports = [{ hostIp: '127.0.0.1', published: 8123, target: 8123 }]; })), /both publish host port 8123/);
  assertProblem(checkPorts(broken((c) => { service(c, 'kafka-1').ports = [{ hostIp: '127.0.0.1', published: 19092, target: 9092 }]; })), /kafka-1 should publish 9092:9092/);
  assertProblem(checkPorts(broken((c) => { service(c, 'kafka-2').ports = []; })), /kafka-2 should publish 9094:9092/);
});

test('the rules catch a missing healthcheck, a racy dependency, a wrong restart policy and a password that is not required', () => {
  assertProblem(checkHealthchecks(broken((c) => { service(c, 'kafka-2').healthcheck = undefined; })), /kafka-2 has no healthcheck/);
  assertProblem(checkHealthchecks(broken((c) => { service(c, 'keeper').healthcheck = undefined; })), /keeper has no healthcheck/);
  assertProblem(checkDependencies(broken((c) => { service(c, 'migrate').dependsOn.delete('kafka-3'); })), /migrate should wait for kafka-3 with service_healthy, has nothing/);
  assertProblem(checkDependencies(broken((c) => { service(c, 'migrate').dependsOn.set('clickhouse-2', 'service_started'); })), /migrate should wait for clickhouse-2 with service_healthy/);
  assertProblem(checkDependencies(broken((c) => { service(c, 'clickhouse-1').dependsOn.delete('keeper'); })), /clickhouse-1 should wait for keeper/);
  assertProblem(checkDependencies(broken((c) => { service(c, 'dashboard').dependsOn.set('kafka-2', 'service_started'); })), /dashboard waits for kafka-2 with service_started, not service_healthy/);
  assertProblem(checkDependencies(broken((c) => { service(c, 'generator').dependsOn.set('kafka-4', 'service_healthy'); })), /kafka-4, which is no service/);
  assertProblem(checkRestart(broken((c) => { service(c, 'keeper').restart = undefined; })), /keeper has no restart policy/);
  assertProblem(checkRestart(broken((c) => { service(c, 'migrate').restart = 'unless-stopped'; })), /migrate is one-shot/);
  assertProblem(checkClickhousePassword(broken((c) => { service(c, 'clickhouse-2').environment.set('CLICKHOUSE_PASSWORD', ''); }), references), /clickhouse-2 gets no CLICKHOUSE_PASSWORD/);
  assertProblem(checkClickhousePassword(broken((c) => { service(c, 'clickhouse-1').environment.set('CLICKHOUSE_USER', 'other'); }), references), /migrate's CLICKHOUSE_USER differs from clickhouse-1's/);
  assertProblem(checkClickhousePassword(compose, [{ name: 'CLICKHOUSE_PASSWORD', operator: ':-', argument: '' }]), /must be \$\{CLICKHOUSE_PASSWORD:\?/);
});

test('the test\'s own readers follow Compose for mounts and ClickHouse for XML', () => {
  assert.deepEqual(mountOf('./deploy/x.xml:/etc/x.xml:ro', '/repo'), { source: '/repo/deploy/x.xml', target: '/etc/x.xml', bind: true, readOnly: true });
  assert.deepEqual(mountOf('data:/var/lib/x', '/repo'), { source: 'data', target: '/var/lib/x', bind: false, readOnly: false });
  assert.deepEqual(mountOf('/abs/x.xml:/etc/x.xml:rw', '/repo'), { source: '/abs/x.xml', target: '/etc/x.xml', bind: true, readOnly: false });
  assert.deepEqual(mountOf({ type: 'bind', source: './x', target: '/x', read_only: true }, '/repo'), { source: '/repo/x', target: '/x', bind: true, readOnly: true });
  const xml = parseXml('<?xml version="1.0"?>\n<!-- a <comment> -->\n<clickhouse><a x="1"><b>one &amp; two</b><b/></a><c from_env="V"/></clickhouse>', 'inline');
  assert.equal(xml.name, 'clickhouse');
  assert.deepEqual(at(xml, 'a/b').map(textOf), ['one & two', '']);
  assert.equal(at(xml, 'a')[0]?.attributes.x, '1');
  assert.equal(at(xml, 'c')[0]?.attributes.from_env, 'V');
  assert.throws(() => parseXml('<clickhouse><a></clickhouse>', 'inline'), /closes <a>/);
  assert.throws(() => parseXml('<clickhouse>', 'inline'), /is not closed/);
  assert.equal(normalizedClusterConfig('/x/.kch/compose.normalized.yml'), '/x/.kch/compose.normalized.cluster.yml');
  assert.equal(normalizedClusterConfig('/x/out'), '/x/out.cluster.yml');
});
