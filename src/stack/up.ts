import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { connectClickHouse } from '../clickhouse/connect.js';
import { options as config } from '../config/options.js';
import { resolveOptions } from '../config/resolve.js';
import { ErrorCodes, KchError, isKchError, messageOf } from '../errors/kch-error.js';
import { waitForDashboard } from '../dashboard/probe.js';
import { waitForKafka } from '../kafka/admin.js';
import { formatHost } from '../kafka/brokers.js';
import { controllerHostFor } from '../kafka/broker.js';
import { checkNodeCount, nodePorts } from '../kafka/cluster.js';
import { checkPortFree } from '../host/ports.js';
import { PollAbort, pollUntil } from '../time/poll.js';
import { ConnectClient } from '../connect/rest.js';
import { CONNECT_HOST } from '../connect/worker.js';
import type { Logger } from '../output/log.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import { leftoversIn, RunRecord, takenByLeftover } from './record.js';
import { RestartPolicy } from './restart.js';
import { ServiceProcess, type ServiceSpec } from './service.js';

/** How often kch up asks the running dashboard whether it answers, and how long a silence is news. */
const LIVENESS_EVERY_MS = 5_000;
const SILENCE_NEWS_MS = 10_000;

export interface StackOptions {
  /** Bootstrap servers; undefined means start the local broker. */
  readonly externalKafka?: string;
  /** ClickHouse URL; undefined means start the embedded one. */
  readonly externalClickHouse?: string;
  readonly host: string;
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  /** Local Kafka nodes: 1, or a cluster (src/kafka/cluster.ts). */
  readonly kafkaNodes: number;
  readonly clickhousePort: number;
  /** Port of the dashboard, always started here. */
  readonly dashboardPort: number;
  /** Port of the Kafka Connect worker's REST API (on 127.0.0.1); absent: no worker is started. */
  readonly connectPort?: number;
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly generate: boolean;
  /** Some stream's ingest is `sink`: `kch sink` runs beside the others (after migrate, before the generator). */
  readonly sink?: boolean;
  /**
   * Settings for the services, as environment variables (KAFKA_HEAP=512m, GENERATOR_RATE=200…):
   * every service reads its own and ignores the others'.
   */
  readonly settings: Readonly<Record<string, string>>;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly out: (text: string) => void;
  readonly readyTimeoutMs?: number;
  /** The table the summary's `try:` query counts (see `exampleTable`). @default 'sales' */
  readonly exampleTable?: string;
}

/**
 * The table to suggest a first query on: the first of the pipeline's streams' target (the seed's
 * sales, or the user's own), named with its database outside the default one, since `kch query`
 * is typed in another shell that may not have the --database given here.
 */
export function exampleTable(streams: readonly Pick<StreamDefinition, 'target'>[], database: string): string {
  const table = streams[0]?.target ?? 'sales';
  return database === 'default' ? table : `${database}.${table}`;
}

interface Supervised {
  readonly process: ServiceProcess;
  readonly policy: RestartPolicy;
  failed: boolean;
  /** Answered its readiness probe once. Until then, dying fails the start instead of restarting it. */
  ready: boolean;
  /** Resolves once the service answers: asked at start and again after every restart. */
  readonly probe: ((signal: AbortSignal) => Promise<void>) | undefined;
  /** Waiting longer than this for it to answer is worth a line. */
  readonly slowMs: number;
  /** Restarted and not answering yet: its silence is already being reported. */
  recovering: boolean;
}

interface LaunchOptions {
  readonly probe?: (signal: AbortSignal) => Promise<void>;
  readonly slowMs?: number;
}

/**
 * Starts the stack in Compose's order — kafka and clickhouse, then migrate once, then the
 * generator — supervises the long-running services until `signal` aborts, then stops them in
 * reverse order. Resolves to the exit code.
 */
export async function runStack(options: StackOptions): Promise<number> {
  const { log } = options;
  const dataDir = resolve(options.dataDir);
  const cacheDir = resolve(options.cacheDir);
  if (!options.externalKafka) checkNodeCount(options.kafkaNodes);
  const kafkaNodes = options.externalKafka ? [] : nodePorts(options.kafkaPort, options.kafkaControllerPort, options.kafkaNodes);
  const bootstrap = options.externalKafka ?? kafkaNodes.map((n) => `${options.host}:${n.port}`).join(',');
  const clickhouseUrl = options.externalClickHouse ?? `http://${options.host}:${options.clickhousePort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.settings,
    KCH_DATA_DIR: dataDir,
    KCH_CACHE_DIR: cacheDir,
    KCH_HOST: options.host,
    KAFKA_PORT: String(options.kafkaPort),
    KAFKA_CONTROLLER_PORT: String(options.kafkaControllerPort),
    KAFKA_NODES: String(options.kafkaNodes),
    CLICKHOUSE_PORT: String(options.clickhousePort),
    KAFKA_BROKERS: bootstrap,
    CLICKHOUSE_URL: clickhouseUrl,
    DASHBOARD_PORT: String(options.dashboardPort),
    ...(options.connectPort !== undefined ? { CONNECT_PORT: String(options.connectPort) } : {}),
  };
  const events = { line: (_service: string, text: string) => options.out(`${text}\n`) };
  const running: Supervised[] = [];
  const stopping = { value: false };
  // Aborted on Ctrl-C and when the start fails: the probes of the other services stop polling
  // then, instead of keeping this process alive (with nothing left to supervise) until their
  // deadline.
  const halt = new AbortController();
  const onStop = (): void => halt.abort();
  const signal = halt.signal;
  const seconds = (since: number): string => ((performance.now() - since) / 1000).toFixed(1);

  // What an earlier run left on this data folder; this run notes its own there, unless that
  // earlier kch up still runs (its note is the true one).
  const earlier = leftoversIn(dataDir);
  const record = earlier?.up ? undefined : new RunRecord(dataDir);
  const portsOf: Readonly<Record<string, readonly number[]>> = {
    kafka: kafkaNodes.flatMap((n) => [n.port, n.controllerPort]),
    clickhouse: [options.clickhousePort],
    dashboard: [options.dashboardPort],
    connect: options.connectPort !== undefined ? [options.connectPort] : [],
  };
  const note = (s: Supervised): void => record?.service(s.process.spec.name, s.process.pid, portsOf[s.process.spec.name] ?? []);

  /**
   * Should this process end without stopping the stack (kill -9), each service stops by itself
   * (src/host/supervisor.ts); kafka only once the others have exited, as on Ctrl-C: clickhouse
   * commits its offsets to it and the generator flushes to it. Told again after every (re)start.
   */
  const orderStop = (): void => {
    const kafka = running.find((s) => s.process.spec.name === 'kafka');
    const others = running.filter((s) => s !== kafka).map((s) => s.process.pid).filter((pid): pid is number => pid !== undefined);
    kafka?.process.stopAfter(others);
  };

  const launch = (spec: ServiceSpec, how: LaunchOptions = {}): Supervised => {
    const supervised: Supervised = {
      process: new ServiceProcess(spec, events), policy: new RestartPolicy(), failed: false, ready: how.probe === undefined,
      probe: how.probe, slowMs: how.slowMs ?? 30_000, recovering: false,
    };
    supervised.process.start();
    if (!spec.oneShot) {
      running.push(supervised);
      orderStop();
      note(supervised);
      void watch(supervised);
    }
    return supervised;
  };

  /**
   * Runs its probe until it answers. Slower than its `slowMs`, that is news: said when the time
   * passes and again when it answers. After a restart, answering is always said.
   */
  const answers = async (s: Supervised, since: 'start' | 'restart'): Promise<void> => {
    if (!s.probe) return;
    const { name } = s.process.spec;
    const pid = s.process.pid;
    const began = performance.now();
    let slow = false;
    const timer = setTimeout(() => {
      slow = true;
      log.warn(`${name} (pid ${pid}) does not answer yet, ${s.slowMs / 1000} s after its ${since}; still waiting`);
    }, s.slowMs);
    timer.unref();
    // Ended when the service exits first (the caller's race), so that it stops polling.
    const probing = new AbortController();
    void s.process.exited.then(() => probing.abort());
    try {
      await s.probe(AbortSignal.any([signal, probing.signal]));
    } finally {
      clearTimeout(timer);
      probing.abort();
    }
    if (slow || since === 'restart') log.info(`${name} (pid ${pid}) answers${since === 'restart' ? ' again' : ''}, ${seconds(began)} s after its ${since}`);
  };

  /** After a restart: says when it answers again, or that it does not. */
  const recover = async (s: Supervised): Promise<void> => {
    if (!s.probe) return;
    const pid = s.process.pid;
    s.recovering = true;
    try {
      await answers(s, 'restart');
    } catch (error) {
      // Died again (its watch says so), or kch up is stopping: nothing to add.
      if (!signal.aborted && s.process.running && s.process.pid === pid) {
        log.warn(`${s.process.spec.name} (pid ${pid}) does not answer since its restart: ${messageOf(error)}`);
      }
    } finally {
      if (s.process.pid === pid) s.recovering = false;
    }
  };

  const watch = async (s: Supervised): Promise<void> => {
    for (;;) {
      const pid = s.process.pid;
      const { code, signal: killedBy } = await s.process.exited;
      // Not ready yet: `ready` below reports it and the start fails.
      if (stopping.value || !s.ready) return;
      const { name } = s.process.spec;
      if (code === 0 && !killedBy && s.process.spec.mayFinish) {
        log.info(`${name} finished its work; the other services keep running`);
        return;
      }
      // A service that exits on its own says why in its last line on stderr (one clear line, by
      // design); a killed one may have said something before, given after the facts.
      const why = s.process.reason();
      const reason = killedBy ? `killed by ${killedBy}` : `exited with code ${code}${why ? ` (${why})` : ''}`;
      const pause = s.policy.crashed(Date.now());
      const facts = `pid ${pid}, ${s.policy.describe()}${killedBy && why ? `; its last line: ${why}` : ''}`;
      if (pause === undefined) {
        s.failed = true;
        log.error(`${name} ${reason} and keeps failing: given up on it; the other services keep running (${facts}). Last lines:\n${s.process.lastLines()}`);
        return;
      }
      log.warn(`${name} ${reason}; restarting in ${pause / 1000} s (${facts})`);
      await delay(pause, undefined, { ref: false });
      if (stopping.value) return;
      s.process.start();
      orderStop();
      note(s);
      log.info(`${name} restarted (pid ${s.process.pid})`);
      void recover(s);
    }
  };

  /**
   * A running service may also stop answering without exiting (its event loop stuck, a port no
   * longer served): asks the dashboard every few seconds, and says when it has been silent for
   * SILENCE_NEWS_MS and when it answers again.
   */
  const keepAsking = async (s: Supervised, url: string): Promise<void> => {
    const { name } = s.process.spec;
    let silent: { pid: number | undefined; since: number; said: boolean } | undefined;
    for (;;) {
      try {
        await delay(LIVENESS_EVERY_MS, undefined, { signal, ref: false });
      } catch {
        return;
      }
      const pid = s.process.pid;
      if (silent && silent.pid !== pid) silent = undefined;
      // Exited or restarting: its watch and `recover` say so.
      if (!s.process.running || s.recovering || s.failed) {
        silent = undefined;
        continue;
      }
      try {
        await waitForDashboard(url, { timeoutMs: 0, signal });
        if (silent?.said) log.info(`${name} (pid ${pid}) answers again, after ${seconds(silent.since)} s without answering`);
        silent = undefined;
      } catch (error) {
        if (signal.aborted) return;
        silent ??= { pid, since: performance.now(), said: false };
        if (!silent.said && performance.now() - silent.since >= SILENCE_NEWS_MS && s.process.running) {
          silent.said = true;
          log.warn(`${name} (pid ${pid}) runs but has not answered ${url}healthz for ${seconds(silent.since)} s (${lookFailure(error)})`);
        }
      }
    }
  };

  const stopAll = async (): Promise<void> => {
    stopping.value = true;
    for (const s of [...running].reverse()) {
      if (s.process.running) log.info(`stopping ${s.process.spec.name} (pid ${s.process.pid})`);
      await s.process.stop(log);
    }
  };

  /** Waits for its first answer, failing early when the service exits first. */
  const ready = async (s: Supervised): Promise<void> => {
    const died = s.process.exited.then(({ code, signal: killedBy }) => {
      throw new KchError(ErrorCodes.SERVICE_FAILED, `${s.process.spec.name} ${killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`} before it was ready. Last lines:\n${s.process.lastLines()}`);
    });
    await Promise.race([answers(s, 'start'), died]);
    // Died just as it answered: its watch has already left it to us.
    if (!s.process.running) await died;
    s.ready = true;
  };

  /** checkPortFree, naming an earlier run of ours that holds the port (src/stack/record.ts). */
  const portFree = async (host: string, port: number, flag: string): Promise<void> => {
    try {
      await checkPortFree(host, port, flag);
    } catch (error) {
      const ours = isKchError(error) && error.code === ErrorCodes.PORT_IN_USE ? takenByLeftover(earlier, host, port) : undefined;
      if (ours !== undefined) throw new KchError(ErrorCodes.PORT_IN_USE, ours, { cause: error });
      throw error;
    }
  };

  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  const started = performance.now();
  // Checked here too, not only by the services: a probe would take another program on the
  // port for ours and report it ready; and a port taken is one clear line before anything starts.
  for (const node of kafkaNodes) {
    await portFree(options.host, node.port, 'kafka-port');
    await portFree(controllerHostFor(options.host), node.controllerPort, 'kafka-controller-port');
  }
  if (!options.externalClickHouse) await portFree(options.host, options.clickhousePort, 'clickhouse-port');
  await portFree(options.host, options.dashboardPort, 'dashboard-port');
  if (options.connectPort !== undefined) await portFree(CONNECT_HOST, options.connectPort, 'connect-port');
  options.signal.addEventListener('abort', onStop, { once: true });
  if (options.signal.aborted) onStop();
  // The services read these themselves (CLICKHOUSE_PASSWORD or CLICKHOUSE_PASSWORD_FILE, CLICKHOUSE_CA_FILE).
  const credentials = resolveOptions([config.clickhouseUser, config.clickhousePassword, config.clickhouseCaFile], [], env);
  const caFile = credentials.string(config.clickhouseCaFile) || undefined;
  const clickhouseAnswers = async (probeSignal: AbortSignal, probeTimeoutMs = timeoutMs): Promise<void> => {
    // Its features too: a server the pipeline cannot run on is said before migrate starts.
    const { client } = await connectClickHouse({
      url: clickhouseUrl, user: credentials.string(config.clickhouseUser) ?? 'default', password: credentials.string(config.clickhousePassword) ?? '', database: 'default',
      ...(caFile ? { caFile } : {}), waitMs: probeTimeoutMs, signal: probeSignal,
    });
    await client.close();
  };
  try {
    const starting: Promise<void>[] = [];
    let kafka: Supervised | undefined;
    let clickhouse: Supervised | undefined;
    if (!options.externalKafka) {
      kafka = launch({ name: 'kafka', args: ['kafka'], env, stopTimeoutMs: 60_000 }, {
        probe: (probeSignal) => waitForKafka(bootstrap, { timeoutMs, signal: probeSignal }).then(() => undefined),
      });
      starting.push(ready(kafka));
    } else {
      starting.push(waitForKafka(bootstrap, { timeoutMs: 30_000, signal }).then(() => undefined));
    }
    if (!options.externalClickHouse) {
      // chdb runs each query on libuv's pool, sized when the process starts: 4 would cap the
      // embedded server at 4 concurrent queries.
      clickhouse = launch({ name: 'clickhouse', args: ['clickhouse'], env: { UV_THREADPOOL_SIZE: '16', ...env }, stopTimeoutMs: 60_000 }, {
        probe: (probeSignal) => clickhouseAnswers(probeSignal),
      });
      starting.push(ready(clickhouse));
    } else {
      starting.push(clickhouseAnswers(signal, 30_000));
    }
    // Kafka Connect keeps its state in Kafka: started once the broker answers, beside the rest.
    let connect: Supervised | undefined;
    if (options.connectPort !== undefined) {
      const connectUrl = `http://${CONNECT_HOST}:${options.connectPort}`;
      starting.push((async () => {
        await waitForKafka(bootstrap, { timeoutMs, signal });
        if (signal.aborted) return;
        connect = launch({ name: 'connect', args: ['connect'], env, stopTimeoutMs: 40_000 }, {
          probe: (probeSignal) => waitForConnect(connectUrl, timeoutMs, probeSignal), slowMs: 60_000,
        });
        await ready(connect);
      })());
    }
    await Promise.all(starting);
    if (options.signal.aborted) return 130;

    const migrate = launch({ name: 'migrate', args: ['migrate'], env, oneShot: true });
    const result = await migrate.process.exited;
    if (result.code !== 0) {
      throw new KchError(ErrorCodes.SERVICE_FAILED, `migrate failed (${result.signal ?? `exit ${result.code}`}); the stack is stopped. Last lines:\n${migrate.process.lastLines()}`);
    }
    // After migrate: the page's first look already finds the tables.
    const dashboardUrl = `http://${formatHost(options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host)}:${options.dashboardPort}/`;
    let dashboard: Supervised | undefined;
    if (!options.signal.aborted) {
      // It listens before it asks ClickHouse or Kafka anything: a few seconds is already slow.
      dashboard = launch({ name: 'dashboard', args: ['dashboard'], env, stopTimeoutMs: 10_000 }, {
        probe: (probeSignal) => waitForDashboard(dashboardUrl, { timeoutMs: 30_000, signal: probeSignal }), slowMs: 5_000,
      });
      await ready(dashboard);
      void keepAsking(dashboard, dashboardUrl);
    }
    let sink: Supervised | undefined;
    if (options.sink && !options.signal.aborted) {
      sink = launch({ name: 'sink', args: ['sink'], env, stopTimeoutMs: 30_000 });
    }
    let generator: Supervised | undefined;
    if (options.generate && !options.signal.aborted) {
      generator = launch({ name: 'generator', args: ['generate'], env, stopTimeoutMs: 30_000, mayFinish: true });
    }

    const lines = [
      '',
      `kch up: pipeline running (ready in ${seconds(started)} s)`,
      `  kafka       ${bootstrap.padEnd(24)} ${!kafka ? 'external' : kafkaNodes.length > 1 ? `local cluster of ${kafkaNodes.length}, pid ${kafka.process.pid}, logs ${dataDir}/kafka-cluster/node-*/logs/server.log` : `local broker, pid ${kafka.process.pid}, log ${dataDir}/kafka/logs/server.log`}`,
      ...(connect ? [`  connect     ${`http://${CONNECT_HOST}:${options.connectPort}`.padEnd(24)} Kafka Connect with Debezium, pid ${connect.process.pid}, log ${dataDir}/connect/logs/connect.log`] : []),
      `  clickhouse  ${clickhouseUrl.padEnd(24)} ${clickhouse ? `embedded, pid ${clickhouse.process.pid}, data ${dataDir}/clickhouse` : 'external'}`,
      ...(sink ? [`  sink        pid ${sink.process.pid} (streams with ingest sink, exactly once)`] : []),
      `  generator   ${generator ? `pid ${generator.process.pid}` : 'not started'}`,
      `  dashboard   ${dashboard ? `${dashboardUrl.padEnd(24)} pid ${dashboard.process.pid}` : 'not started'}`,
      `  try:        npm run kch -- query "SELECT count() FROM ${options.exampleTable ?? 'sales'}"`,
      `  stop:       Ctrl-C (or kill ${process.pid})`,
      '',
    ];
    options.out(lines.join('\n'));

    await new Promise<void>((resolveAbort) => {
      if (options.signal.aborted) resolveAbort();
      else options.signal.addEventListener('abort', () => resolveAbort(), { once: true });
    });
    return running.some((s) => s.failed) ? 1 : 0;
  } catch (error) {
    if (isKchError(error) && options.signal.aborted) return 130;
    throw error;
  } finally {
    halt.abort();
    options.signal.removeEventListener('abort', onStop);
    await stopAll();
    record?.remove();
    log.info('every service stopped');
  }
}

/** Polls the worker's `GET /health` until it answers 200, the deadline passes, or `signal` aborts. */
async function waitForConnect(url: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const client = new ConnectClient(url, { requestTimeoutMs: 2_000 });
  await pollUntil(`Kafka Connect at ${url} to answer`, async () => {
    if (signal.aborted) throw new PollAbort('stopped');
    return await client.healthy() ? true : undefined;
  }, timeoutMs, 250);
}

/** Why one look at a service failed, from `waitForDashboard`'s error: its last attempt's cause. */
function lookFailure(error: unknown): string {
  const last: unknown = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (last instanceof Error && last.name === 'TimeoutError') return 'no answer within 2 s';
  const code = last instanceof Error && last.cause instanceof Error ? (last.cause as NodeJS.ErrnoException).code : undefined;
  return code ?? messageOf(last);
}
