/**
 * A real Apache Kafka broker (KRaft, broker and controller in one JVM) run as a child process
 * from the cached jars: alone, or as one node of a local cluster (src/kafka/cluster.ts).
 * Everything it writes lives under its folder, `<dataDir>/kafka/` for a single node:
 * server.properties and log4j2.xml (rewritten on every start), data/ (topics and the metadata
 * log), logs/server.log, broker.pid and cluster-id.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { checkPortFree } from '../host/ports.js';
import { ensureWritableFolder } from '../host/folders.js';
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import { waitForKafka, warmGroupCoordinator } from './admin.js';
import { reasonOf } from './errors.js';
import { formatBroker, formatHost } from './brokers.js';
import { ensureKafkaRuntime, type KafkaRuntime } from './runtime.js';
import { lastLines } from '../host/maven-jars.js';
import { launchJava, processTail, readPidFile, renderJavaLog4j2, signalProcess, type RunningJavaService } from '../host/java-process.js';
import { isAlive } from '../host/processes.js';
import { poll } from '../time/poll.js';

export interface StartBrokerOptions {
  /** The `--data-dir`; the broker uses its `kafka/` sub-folder. */
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  /** JVM heap as `-Xmx` takes it: `384m`, `1g`. */
  readonly heap: string;
  readonly log: Logger;
  /** How long to wait for the first successful metadata request (default 60 s). */
  readonly readyTimeoutMs?: number;
  /** Aborting during start-up stops the half-started broker. */
  readonly signal?: AbortSignal;
  /** Already fetched runtime; fetched (or taken from the cache) when absent. */
  readonly runtime?: KafkaRuntime;
  /** One node of a cluster; absent: a single node in `<dataDir>/kafka/`. */
  readonly node?: ClusterNode;
}

/** What makes a broker one node of a cluster (src/kafka/cluster.ts). */
export interface ClusterNode {
  readonly id: number;
  /** The node's folder (`<dataDir>/kafka-cluster/node-<id>`). */
  readonly kafkaDir: string;
  /** `controller.quorum.voters`: every node's id and controller address. */
  readonly voters: string;
  /** How many copies of each partition (default.replication.factor); min.insync.replicas follows. */
  readonly replicas: number;
  /** Shared by every node: formatted with it once. */
  readonly clusterId: string;
}

/** Its first answer: a metadata request. */
export interface RunningBroker extends RunningJavaService {
  /** What clients connect to, e.g. `127.0.0.1:9092`. */
  readonly bootstrap: string;
  readonly clusterId: string;
}

/** Settings that decide the broker's server.properties. */
export interface BrokerSettings {
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  /** Where topics and the metadata log live. */
  readonly logDir: string;
  /** The address clients are told to use; differs from `host` only for a wildcard host. */
  readonly advertisedHost: string;
  /** Absent: a single node. */
  readonly node?: Pick<ClusterNode, 'id' | 'voters' | 'replicas'>;
}

const NODE_ID = 1;
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
/** Its command line names this class: how a pid is told to be a Kafka JVM. */
const MAIN_CLASS = 'kafka.Kafka';

export async function startBroker(options: StartBrokerOptions): Promise<RunningBroker> {
  const { log } = options;
  const heapBytes = parseHeap(options.heap);
  const kafkaDir = options.node?.kafkaDir ?? resolve(options.dataDir, 'kafka');
  const paths = brokerPaths(kafkaDir);
  await ensureWritableFolder(kafkaDir, 'data folder', 'data-dir');
  await checkNotRunning(paths.pidFile, kafkaDir, log);
  await checkPortFree(options.host, options.port, 'kafka-port');
  await checkPortFree(controllerHostFor(options.host), options.controllerPort, 'kafka-controller-port');
  const runtime = options.runtime ?? await ensureKafkaRuntime({ cacheDir: options.cacheDir, log });
  if (options.signal?.aborted) throw interrupted();

  const settings: BrokerSettings = {
    host: options.host,
    port: options.port,
    controllerPort: options.controllerPort,
    logDir: paths.logDir,
    advertisedHost: advertisedHostFor(options.host, networkInterfaces()),
    ...(options.node ? { node: options.node } : {}),
  };
  await mkdir(paths.logsDir, { recursive: true });
  await writeFile(paths.properties, renderServerProperties(settings));
  await writeFile(paths.log4j, renderLog4j2(paths.logFile));
  const clusterId = await ensureFormatted(runtime, paths, log, options.node?.clusterId);

  const bootstrap = formatBroker({ host: settings.advertisedHost, port: options.port });
  log.info(`starting Kafka ${runtime.version}${options.node ? ` node ${options.node.id}` : ''} on ${formatBroker({ host: options.host, port: options.port })} (controller port ${options.controllerPort}, heap ${options.heap}, data ${paths.logDir})`);
  const started = performance.now();
  const { pid, output, exited, stop } = await launchJava({
    name: 'Kafka',
    java: runtime.java,
    args: [...jvmArgs(heapBytes, options.heap, paths.log4j), '-cp', runtime.classpath, MAIN_CLASS, paths.properties],
    cwd: kafkaDir,
    mainClass: MAIN_CLASS,
    pidFile: paths.pidFile,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    startErrorCode: ErrorCodes.KAFKA_START,
    log,
  });

  // Ready = a metadata request answered; stop waiting as soon as the JVM dies or we are aborted.
  const waiting = new AbortController();
  const onAbort = (): void => waiting.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let exitCode: number | null | undefined;
  void exited.then((code) => { exitCode = code; waiting.abort(); });
  try {
    await waitForKafka(bootstrap, { timeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, signal: waiting.signal });
  } catch (error) {
    options.signal?.removeEventListener('abort', onAbort);
    if (exitCode !== undefined) {
      const how = exitCode === null ? 'was killed' : `exited with code ${exitCode}`;
      throw new KchError(ErrorCodes.KAFKA_START, `Kafka ${how} before it was ready. ${await processTail(paths.logFile, output)}`, { cause: error });
    }
    await stop();
    if (options.signal?.aborted) throw interrupted();
    const seconds = ((options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS) / 1000).toFixed(0);
    const reason = reasonOf(error instanceof Error && error.cause !== undefined ? error.cause : error) ?? 'no answer';
    throw new KchError(ErrorCodes.KAFKA_START, `Kafka did not become ready within ${seconds} s (last try: ${reason}). ${await processTail(paths.logFile, output)}`, { cause: error });
  }
  // Ready for consumer groups too: the offsets topic exists before the first Kafka table joins.
  const coordinating = await warmGroupCoordinator(bootstrap, { timeoutMs: 30_000, signal: waiting.signal }).catch(() => false);
  options.signal?.removeEventListener('abort', onAbort);
  if (options.signal?.aborted || exitCode !== undefined) {
    await stop();
    throw exitCode !== undefined && !options.signal?.aborted ? new KchError(ErrorCodes.KAFKA_START, `Kafka exited while starting. ${await processTail(paths.logFile, output)}`) : interrupted();
  }
  if (!coordinating) log.warn('the broker has no group coordinator after 30 s; the first consumer group will wait for it');
  const startupMs = performance.now() - started;
  log.info(`Kafka ready on ${bootstrap} in ${(startupMs / 1000).toFixed(1)} s (pid ${pid}, log ${paths.logFile})`);
  return { bootstrap, pid, logFile: paths.logFile, version: runtime.version, clusterId, startupMs, stop, exited };
}

/** Stopped (SIGINT/SIGTERM) while starting: not a failure to report with a stack. */
function interrupted(): KchError {
  return new KchError(ErrorCodes.KAFKA_START, 'start-up interrupted; the broker was stopped');
}

interface BrokerPaths {
  readonly kafkaDir: string;
  readonly logDir: string;
  readonly logsDir: string;
  readonly logFile: string;
  readonly properties: string;
  readonly log4j: string;
  readonly pidFile: string;
  readonly clusterIdFile: string;
}

function brokerPaths(kafkaDir: string): BrokerPaths {
  return {
    kafkaDir,
    logDir: join(kafkaDir, 'data'),
    logsDir: join(kafkaDir, 'logs'),
    logFile: join(kafkaDir, 'logs', 'server.log'),
    properties: join(kafkaDir, 'server.properties'),
    log4j: join(kafkaDir, 'log4j2.xml'),
    pidFile: join(kafkaDir, 'broker.pid'),
    clusterIdFile: join(kafkaDir, 'cluster-id'),
  };
}

/**
 * The broker's configuration. A static voter list (`controller.quorum.voters`) rather than a
 * dynamic quorum: the voter's address is then not written into the metadata log, so a later
 * start on another --kafka-controller-port still works.
 */
export function renderServerProperties(settings: BrokerSettings): string {
  const controllerHost = formatHost(controllerHostFor(settings.host));
  const host = formatHost(settings.host);
  // A cluster keeps three copies of each partition (as many as it has nodes when fewer) and
  // takes a write once two hold it: one node may be lost without losing an acknowledged event.
  const replicas = settings.node?.replicas ?? 1;
  const inSync = replicas >= 3 ? 2 : 1;
  const entries: [string, string | number][] = [
    ['node.id', settings.node?.id ?? NODE_ID],
    ['process.roles', 'broker,controller'],
    ['controller.quorum.voters', settings.node?.voters ?? `${NODE_ID}@${controllerHost}:${settings.controllerPort}`],
    ['listeners', `PLAINTEXT://${host}:${settings.port},CONTROLLER://${controllerHost}:${settings.controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${formatHost(settings.advertisedHost)}:${settings.port}`],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['log.dirs', settings.logDir],
    // Internal topics take as many copies as user topics.
    ['num.partitions', 1],
    ['default.replication.factor', replicas],
    ['min.insync.replicas', inSync],
    ['offsets.topic.replication.factor', replicas],
    ['transaction.state.log.replication.factor', replicas],
    ['transaction.state.log.min.isr', inSync],
    ['share.coordinator.state.topic.replication.factor', replicas],
    ['share.coordinator.state.topic.min.isr', inSync],
    // 50 partitions each (the default) make the first consumer join slow on a small machine.
    ['offsets.topic.num.partitions', 5],
    ['transaction.state.log.num.partitions', 5],
    // The first consumer should not wait 3 s for others that will never come.
    ['group.initial.rebalance.delay.ms', 0],
    // The seed's producer relied on topics appearing on first use.
    ['auto.create.topics.enable', 'true'],
    // The cleaner's buffer is taken from the heap up front: 128 MiB by default.
    ['log.cleaner.dedupe.buffer.size', 8 * 1024 * 1024],
    // Sized for a laptop or a 2-core CI runner rather than a server.
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['num.recovery.threads.per.data.dir', 1],
    // A killed node's partitions get new leaders once the controllers stop hearing from it: after
    // 9 s by default, a pause every producer feels. Nodes here share one machine, so 1 s
    // heartbeats and 4 s of silence are plenty.
    ...(replicas > 1 ? [['broker.heartbeat.interval.ms', 1000], ['broker.session.timeout.ms', 4000]] as [string, number][] : []),
  ];
  const lines = entries.map(([key, value]) => `${key}=${escapeValue(String(value))}`);
  return `# Written by kch on every start of \`kch kafka\`; edits here are overwritten.\n${lines.join('\n')}\n`;
}

/** Java properties treat backslashes as escapes (Windows paths). */
function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\');
}

/** Log4j 2 configuration: everything to server.log, warnings and errors also to stderr. */
export function renderLog4j2(logFile: string): string {
  return renderJavaLog4j2(logFile, `
    <!-- Per-request and per-partition chatter that a local broker's user never needs. -->
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <!-- A cluster's node that is down (or not up yet) is warned about every half second by each
         of the others: the file keeps it, kch status says it once. -->
    <Logger name="org.apache.kafka.clients.NetworkClient" level="WARN" additivity="false">
      <AppenderRef ref="file"/>
      <AppenderRef ref="stderr" level="ERROR"/>
    </Logger>
    <Logger name="kafka.server.ReplicaFetcherThread" level="INFO" additivity="false">
      <AppenderRef ref="file"/>
      <AppenderRef ref="stderr" level="ERROR"/>
    </Logger>
    <!-- Warns "Performing controller activation" on every start: keep that in the file only. -->
    <Logger name="org.apache.kafka.controller.QuorumController" level="INFO" additivity="false">
      <AppenderRef ref="file"/>
      <AppenderRef ref="stderr" level="ERROR"/>
    </Logger>
`);
}

/**
 * JVM flags as Kafka's own start script sets them (G1, 20 ms pause target), with a small
 * initial heap: the machine may be a 2-core CI runner shared with ClickHouse.
 */
export function jvmArgs(heapBytes: number, heap: string, log4jFile: string): string[] {
  const initial = Math.min(heapBytes, 64 * 1024 * 1024);
  return [
    `-Xmx${heap}`,
    `-Xms${Math.floor(initial / 1024)}k`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
  ];
}

/** `384m`, `1g`, `524288k` or bytes → bytes; anything else is a usage error. */
export function parseHeap(heap: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(heap.trim());
  const factor: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  const bytes = match ? Number(match[1]) * (factor[(match[2] ?? '').toLowerCase()] ?? 1) : NaN;
  if (!match || !Number.isSafeInteger(bytes)) {
    throw new KchError(ErrorCodes.USAGE, `--kafka-heap (KAFKA_HEAP) must be a JVM heap size such as 384m or 1g, got "${heap}"`);
  }
  if (bytes < 128 * 1024 ** 2) {
    throw new KchError(ErrorCodes.USAGE, `--kafka-heap ${heap} is too small for a Kafka broker: give at least 128m`);
  }
  return bytes;
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** The controller is only talked to by the broker in the same JVM: never expose it more than needed. */
export function controllerHostFor(host: string): string {
  return isWildcard(host) ? '127.0.0.1' : host;
}

/**
 * What clients are told to connect to. A wildcard cannot be advertised: use the machine's first
 * external IPv4 address (reachable from here and from the network), else loopback.
 */
export function advertisedHostFor(host: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string {
  if (!isWildcard(host)) return host;
  for (const list of Object.values(interfaces)) {
    const external = list?.find((info) => info.family === 'IPv4' && !info.internal);
    if (external) return external.address;
  }
  return '127.0.0.1';
}

/**
 * Formats the storage once. The cluster id is kept in `cluster-id` so that a format interrupted
 * half-way is redone with the same id; `meta.properties` in the log dir means "done".
 */
async function ensureFormatted(runtime: KafkaRuntime, paths: BrokerPaths, log: Logger, given?: string): Promise<string> {
  const meta = join(paths.logDir, 'meta.properties');
  if (existsSync(meta)) {
    const id = /^cluster\.id=(.+)$/m.exec(await readFile(meta, 'utf8'))?.[1]?.trim();
    if (id && given !== undefined && id !== given) {
      throw new KchError(ErrorCodes.KAFKA_START, `${paths.logDir} belongs to another Kafka cluster (id ${id}, this one's is ${given}): remove ${paths.kafkaDir} or use another --data-dir`);
    }
    if (id) return id;
  }
  let clusterId = given ?? (existsSync(paths.clusterIdFile) ? (await readFile(paths.clusterIdFile, 'utf8')).trim() : '');
  if (!/^[A-Za-z0-9_-]{22}$/.test(clusterId)) {
    clusterId = newClusterId();
    await writeFile(paths.clusterIdFile, `${clusterId}\n`);
  }
  const started = performance.now();
  const args = ['-Xmx128m', '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${paths.log4j}`, '-cp', runtime.classpath,
    'kafka.tools.StorageTool', 'format', '--ignore-formatted', '-t', clusterId, '-c', paths.properties];
  const result = await runToEnd(runtime.java, args, paths.kafkaDir);
  if (result.code !== 0) {
    throw new KchError(ErrorCodes.KAFKA_START, `formatting Kafka's storage in ${paths.logDir} failed (exit ${String(result.code)}):\n${lastLines(result.output, 15) || '(no output)'}`);
  }
  log.info(`formatted Kafka storage in ${paths.logDir} (cluster id ${clusterId}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return clusterId;
}

/**
 * A Kafka cluster id: a random 128-bit UUID in URL-safe base64 without padding (22 characters),
 * as `kafka-storage random-uuid` prints, minus its leading-dash case (which breaks CLI parsing).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function runToEnd(command: string, args: readonly string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => { output = (output + chunk.toString('utf8')).slice(-65_536); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => resolveRun({ code: null, output: messageOf(error) }));
    child.on('close', (code) => resolveRun({ code, output }));
  });
}


/**
 * A second broker on the same data would fail deep inside Kafka; say so plainly instead. A broker
 * whose own `kch kafka` died (kill -9, OOM) keeps running detached in its process group, holding
 * the ports and the data: nobody would ever stop it, and a supervisor restarting `kch kafka` would
 * fail on it forever. That orphan is shut down cleanly (SIGTERM, SIGKILL after a deadline) and its
 * place taken.
 */
async function checkNotRunning(pidFile: string, kafkaDir: string, log: Logger): Promise<void> {
  const holder = await readPidFile(pidFile, MAIN_CLASS);
  if (!holder) return;
  const { pid, goneOwner } = holder;
  if (goneOwner !== undefined) {
    log.warn(`a Kafka broker (pid ${pid}) left running by a kch kafka that is gone (pid ${goneOwner}) holds ${kafkaDir}: shutting it down before starting`);
    await stopOrphan(pid, log);
    await rm(pidFile, { force: true });
    return;
  }
  throw new KchError(ErrorCodes.DATA_DIR_LOCKED, `a Kafka broker (pid ${pid}) is already running on ${kafkaDir}; stop it first, or use another --data-dir`);
}

/** SIGTERM (a controlled shutdown), then SIGKILL to its group after STOP_TIMEOUT_MS. Not our child: poll. */
async function stopOrphan(pid: number, log: Logger): Promise<void> {
  const started = performance.now();
  signalProcess(pid, 'SIGTERM');
  const gone = (): true | undefined => (isAlive(pid) ? undefined : true);
  if (!(await poll(gone, { timeoutMs: STOP_TIMEOUT_MS }))) {
    log.warn(`Kafka (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
    try { process.kill(-pid, 'SIGKILL'); } catch { signalProcess(pid, 'SIGKILL'); }
    // SIGKILL cannot be refused; the wait is bounded all the same, and a broker still there is
    // left for the start that follows to report (its ports, its data folder's lock).
    if (!(await poll(gone, { timeoutMs: STOP_TIMEOUT_MS }))) log.warn(`Kafka (pid ${pid}) is still there after SIGKILL`);
  }
  log.info(`the orphaned broker stopped in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
