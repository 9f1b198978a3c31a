/**
 * A Kafka Connect worker (distributed mode) run as a child process from the cached jars, with
 * Debezium's PostgreSQL connector on its class path. Its configs, offsets and statuses live in
 * topics of our Kafka; its REST API listens on loopback only: Connect has no authentication of
 * its own, and a connector's config holds database passwords. Everything it writes here lives
 * under `<dataDir>/connect/`: worker.properties and log4j2.xml (rewritten on every start),
 * logs/connect.log and worker.pid.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';
import { ensureWritableFolder } from '../host/folders.js';
import { launchJava, processTail, readPidFile, renderJavaLog4j2, signalProcess, type RunningJavaService } from '../host/java-process.js';
import { PollAbort, pollUntil } from '../time/poll.js';
import { checkPortFree } from '../host/ports.js';
import { isAlive } from '../host/processes.js';
import { jvmArgs } from '../kafka/broker.js';
import type { Logger } from '../output/log.js';
import { ConnectClient } from './rest.js';
import { ensureConnectRuntime, type ConnectRuntime } from './runtime.js';

/** Only this machine reaches the REST API (see above). */
export const CONNECT_HOST = '127.0.0.1';

/** Enough for a few Debezium connectors on small tables; the worker's defaults assume a server. */
const HEAP = '512m';
const DEFAULT_READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
/** Its command line names this class: how a pid is told to be our worker. */
const MAIN_CLASS = 'org.apache.kafka.connect.cli.ConnectDistributed';

export interface StartWorkerOptions {
  /** The `--data-dir`; the worker uses its `connect/` sub-folder. */
  readonly dataDir: string;
  readonly cacheDir: string;
  /** Kafka bootstrap servers, as `--kafka-brokers` takes them. */
  readonly bootstrap: string;
  /** Port of the REST API on 127.0.0.1. */
  readonly port: number;
  /** Prefix of its group id and of its three topics (`--topic-prefix`). */
  readonly topicPrefix: string;
  readonly log: Logger;
  /** How long to wait for `GET /health` to answer 200 (default 120 s). */
  readonly readyTimeoutMs?: number;
  /** Aborting during start-up stops the half-started worker. */
  readonly signal?: AbortSignal;
  /** Already fetched runtime; fetched (or taken from the cache) when absent. */
  readonly runtime?: ConnectRuntime;
}

/** Its stop: the worker stops its tasks and leaves its group. */
export interface RunningWorker extends RunningJavaService {
  /** The REST API, e.g. `http://127.0.0.1:8083`. */
  readonly url: string;
  readonly debeziumVersion: string;
}

/** Settings that decide worker.properties. */
export interface WorkerSettings {
  readonly bootstrap: string;
  readonly port: number;
  readonly topicPrefix: string;
}

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { log } = options;
  const dir = resolve(options.dataDir, 'connect');
  const paths = { properties: join(dir, 'worker.properties'), log4j: join(dir, 'log4j2.xml'), logFile: join(dir, 'logs', 'connect.log'), pidFile: join(dir, 'worker.pid') };
  await ensureWritableFolder(dir, 'data folder', 'data-dir');
  await checkNotRunning(paths.pidFile, dir, log);
  await checkPortFree(CONNECT_HOST, options.port, 'connect-port');
  const runtime = options.runtime ?? await ensureConnectRuntime({ cacheDir: options.cacheDir, log });
  if (options.signal?.aborted) throw interrupted();

  await mkdir(join(dir, 'logs'), { recursive: true });
  await writeFile(paths.properties, renderWorkerProperties(options));
  await writeFile(paths.log4j, renderConnectLog4j2(paths.logFile));
  const url = `http://${CONNECT_HOST}:${options.port}`;
  log.info(`starting Kafka Connect ${runtime.version} with Debezium ${runtime.debeziumVersion} on ${url} (Kafka ${options.bootstrap}, heap ${HEAP}, log ${paths.logFile})`);
  const started = performance.now();
  const { pid, output, exited, stop } = await launchJava({
    name: 'Kafka Connect',
    java: runtime.java,
    args: [...jvmArgs(512 * 1024 * 1024, HEAP, paths.log4j), '-cp', runtime.classpath, MAIN_CLASS, paths.properties],
    cwd: dir,
    mainClass: MAIN_CLASS,
    pidFile: paths.pidFile,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    startErrorCode: ErrorCodes.CONNECT_START,
    log,
  });

  let exitCode: number | null | undefined;
  void exited.then((code) => { exitCode = code; });
  const client = new ConnectClient(url, { requestTimeoutMs: 2_000 });
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  try {
    // Ready once the herder has joined its group and read its config topic: /health says 200.
    await pollUntil('Kafka Connect to answer GET /health', async () => {
      if (exitCode !== undefined) throw new PollAbort('exited');
      if (options.signal?.aborted) throw new PollAbort('interrupted');
      return await client.healthy() ? true : undefined;
    }, readyTimeoutMs, 250);
  } catch (error) {
    if (exitCode !== undefined) {
      const how = exitCode === null ? 'was killed' : `exited with code ${exitCode}`;
      throw new KchError(ErrorCodes.CONNECT_START, `Kafka Connect ${how} before it was ready. ${await processTail(paths.logFile, output)}`, { cause: error });
    }
    await stop();
    if (options.signal?.aborted) throw interrupted();
    throw new KchError(ErrorCodes.CONNECT_START, `Kafka Connect did not become ready within ${(readyTimeoutMs / 1000).toFixed(0)} s (${messageOf(error)}). ${await processTail(paths.logFile, output)}`, { cause: error });
  }
  const startupMs = performance.now() - started;
  log.info(`Kafka Connect ready on ${url} in ${(startupMs / 1000).toFixed(1)} s (pid ${pid}, log ${paths.logFile})`);
  return { url, pid, logFile: paths.logFile, version: runtime.version, debeziumVersion: runtime.debeziumVersion, startupMs, stop, exited };
}

/** Stopped (SIGINT/SIGTERM) while starting: not a failure to report with a stack. */
function interrupted(): KchError {
  return new KchError(ErrorCodes.CONNECT_START, 'start-up interrupted; the worker was stopped');
}

/** The worker's configuration: distributed mode, its state in three compacted topics of our Kafka. */
export function renderWorkerProperties(settings: WorkerSettings): string {
  const name = `${settings.topicPrefix}kch-connect`;
  const entries: [string, string | number][] = [
    ['bootstrap.servers', settings.bootstrap],
    ['group.id', name],
    ['config.storage.topic', `${name}-configs`],
    ['offset.storage.topic', `${name}-offsets`],
    ['status.storage.topic', `${name}-status`],
    // -1: as many copies as the broker gives its topics (1 for one node, 3 for kch kafka --nodes 3).
    ['config.storage.replication.factor', -1],
    ['offset.storage.replication.factor', -1],
    ['status.storage.replication.factor', -1],
    // 25 by default: more than a local worker's few connectors need.
    ['offset.storage.partitions', 5],
    // Debezium's JSON with its schema in each message, as the change streams read it.
    ['key.converter', 'org.apache.kafka.connect.json.JsonConverter'],
    ['value.converter', 'org.apache.kafka.connect.json.JsonConverter'],
    ['key.converter.schemas.enable', 'true'],
    ['value.converter.schemas.enable', 'true'],
    ['listeners', `http://${CONNECT_HOST}:${settings.port}`],
    ['rest.advertised.host.name', CONNECT_HOST],
    ['rest.advertised.port', settings.port],
    // Source offsets (a connector's replication position) are saved each second, not each minute:
    // a restart then repeats little.
    ['offset.flush.interval.ms', 1000],
    // Every jar of ours declares its plugins in a ServiceLoader manifest: no scan of the class
    // path's classes at start (seconds on a small machine; the worker warns about it otherwise).
    ['plugin.discovery', 'service_load'],
    // One worker: a restarted one should take its tasks back at once, not after 5 minutes.
    ['scheduled.rebalance.max.delay.ms', 0],
  ];
  const lines = entries.map(([key, value]) => `${key}=${String(value).replace(/\\/g, '\\\\')}`);
  return `# Written by kch on every start of \`kch connect\`; edits here are overwritten.\n${lines.join('\n')}\n`;
}

/** Log4j 2 configuration: everything to connect.log, warnings and errors also to stderr. */
export function renderConnectLog4j2(logFile: string): string {
  return renderJavaLog4j2(logFile, `
    <!-- Plugin scanning and unknown-config notices warn on every start: the file keeps them. -->
    <Logger name="org.reflections" level="ERROR"/>
    <Logger name="org.apache.kafka.common.config" level="INFO" additivity="false">
      <AppenderRef ref="file"/>
    </Logger>
    <Logger name="org.apache.kafka.clients" level="WARN" additivity="false">
      <AppenderRef ref="file"/>
      <AppenderRef ref="stderr" level="ERROR"/>
    </Logger>
`);
}

/**
 * A second worker on the same data folder would fight over its files; say so plainly instead. One
 * whose own `kch connect` died (kill -9) is stopped (its watchdog normally does that already).
 */
async function checkNotRunning(pidFile: string, dir: string, log: Logger): Promise<void> {
  const holder = await readPidFile(pidFile, MAIN_CLASS);
  if (!holder) return;
  const { pid, goneOwner } = holder;
  if (goneOwner !== undefined) {
    log.warn(`a Kafka Connect worker (pid ${pid}) left running by a kch connect that is gone (pid ${goneOwner}) holds ${dir}: stopping it first`);
    signalProcess(pid, 'SIGTERM');
    try {
      await pollUntil(`the orphaned worker (pid ${pid}) to stop`, () => Promise.resolve(isAlive(pid) ? undefined : true), STOP_TIMEOUT_MS, 100);
    } catch {
      signalProcess(pid, 'SIGKILL');
    }
    await rm(pidFile, { force: true });
    return;
  }
  throw new KchError(ErrorCodes.DATA_DIR_LOCKED, `a Kafka Connect worker (pid ${pid}) is already running on ${dir}; stop it first, or use another --data-dir`);
}
