import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createClickHouse } from '../clickhouse/client.js';
import { options as config } from '../config/options.js';
import { resolveOptions } from '../config/resolve.js';
import { ErrorCodes, KchError, isKchError } from '../errors.js';
import { waitForDashboard } from '../dashboard/probe.js';
import { waitForKafka } from '../kafka/admin.js';
import { formatHost } from '../kafka/brokers.js';
import { controllerHostFor } from '../kafka/broker.js';
import { checkNodeCount, nodePorts } from '../kafka/cluster.js';
import { checkPortFree } from '../host/ports.js';
import type { Logger } from '../log.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import { waitForClickHouse } from '../migrate/wait.js';
import { RestartPolicy } from './restart.js';
import { ServiceProcess, type ServiceSpec } from './service.js';

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
  };
  const events = { line: (_service: string, text: string) => options.out(`${text}\n`) };
  const running: Supervised[] = [];
  const stopping = { value: false };

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

  const launch = (spec: ServiceSpec, probed = true): Supervised => {
    const supervised: Supervised = { process: new ServiceProcess(spec, events), policy: new RestartPolicy(), failed: false, ready: !probed };
    supervised.process.start();
    if (!spec.oneShot) {
      running.push(supervised);
      orderStop();
      void watch(supervised);
    }
    return supervised;
  };

  const watch = async (s: Supervised): Promise<void> => {
    for (;;) {
      const { code, signal } = await s.process.exited;
      // Not ready yet: `ready` below reports it and the start fails.
      if (stopping.value || !s.ready) return;
      if (code === 0 && !signal && s.process.spec.mayFinish) {
        log.info(`${s.process.spec.name} finished its work; the other services keep running`);
        return;
      }
      // A service that exits on its own says why in its last line (one clear line, by design).
      const why = signal ? '' : s.process.lastLines().split('\n').filter((line) => line.trim() !== '').pop();
      const reason = signal ? `killed by ${signal}` : `exited with code ${code}${why ? ` (${why.trim()})` : ''}`;
      const pause = s.policy.crashed(Date.now());
      if (pause === undefined) {
        s.failed = true;
        log.error(`${s.process.spec.name} ${reason} and keeps failing: given up on it; the other services keep running. Last lines:\n${s.process.lastLines()}`);
        return;
      }
      log.warn(`${s.process.spec.name} ${reason}; restarting in ${pause / 1000} s`);
      await delay(pause, undefined, { ref: false });
      if (stopping.value) return;
      s.process.start();
      orderStop();
      log.info(`${s.process.spec.name} restarted (pid ${s.process.pid})`);
    }
  };

  const stopAll = async (): Promise<void> => {
    stopping.value = true;
    for (const s of [...running].reverse()) {
      if (s.process.running) log.info(`stopping ${s.process.spec.name} (pid ${s.process.pid})`);
      await s.process.stop(log);
    }
  };

  /** Waits for `ready`, failing early when the service exits first. */
  const ready = async (s: Supervised, probe: Promise<void>): Promise<void> => {
    const died = s.process.exited.then(({ code, signal }) => {
      throw new KchError(ErrorCodes.SERVICE_FAILED, `${s.process.spec.name} ${signal ? `was killed by ${signal}` : `exited with code ${code}`} before it was ready. Last lines:\n${s.process.lastLines()}`);
    });
    await Promise.race([probe, died]);
    // Died just as it answered: its watch has already left it to us.
    if (!s.process.running) await died;
    s.ready = true;
  };

  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  const started = performance.now();
  // Checked here too, not only by the services: a probe would take another program on the
  // port for ours and report it ready; and a port taken is one clear line before anything starts.
  for (const node of kafkaNodes) {
    await checkPortFree(options.host, node.port, 'kafka-port');
    await checkPortFree(controllerHostFor(options.host), node.controllerPort, 'kafka-controller-port');
  }
  if (!options.externalClickHouse) await checkPortFree(options.host, options.clickhousePort, 'clickhouse-port');
  await checkPortFree(options.host, options.dashboardPort, 'dashboard-port');
  // Aborted on Ctrl-C and when the start fails: the probes of the other services stop polling
  // then, instead of keeping this process alive (with nothing left to supervise) until their
  // deadline.
  const halt = new AbortController();
  const onStop = (): void => halt.abort();
  options.signal.addEventListener('abort', onStop, { once: true });
  const signal = halt.signal;
  try {
    const starting: Promise<void>[] = [];
    let kafka: Supervised | undefined;
    let clickhouse: Supervised | undefined;
    if (!options.externalKafka) {
      kafka = launch({ name: 'kafka', args: ['kafka'], env, stopTimeoutMs: 60_000 });
      starting.push(ready(kafka, waitForKafka(bootstrap, { timeoutMs, signal }).then(() => undefined)));
    } else {
      starting.push(waitForKafka(bootstrap, { timeoutMs: 30_000, signal }).then(() => undefined));
    }
    // The services read the password themselves (CLICKHOUSE_PASSWORD or CLICKHOUSE_PASSWORD_FILE).
    const credentials = resolveOptions([config.clickhouseUser, config.clickhousePassword], [], env);
    const probeClient = createClickHouse({ url: clickhouseUrl, user: credentials.string(config.clickhouseUser) ?? 'default', password: credentials.string(config.clickhousePassword) ?? '', database: 'default' });
    try {
      if (!options.externalClickHouse) {
        // chdb runs each query on libuv's pool, sized when the process starts: 4 would cap the
        // embedded server at 4 concurrent queries.
        clickhouse = launch({ name: 'clickhouse', args: ['clickhouse'], env: { UV_THREADPOOL_SIZE: '16', ...env }, stopTimeoutMs: 60_000 });
        starting.push(ready(clickhouse, waitForClickHouse(probeClient, clickhouseUrl, { timeoutMs, signal })));
      } else {
        starting.push(waitForClickHouse(probeClient, clickhouseUrl, { timeoutMs: 30_000, signal }));
      }
      await Promise.all(starting);
    } finally {
      await probeClient.close();
    }
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
      dashboard = launch({ name: 'dashboard', args: ['dashboard'], env, stopTimeoutMs: 10_000 });
      await ready(dashboard, waitForDashboard(dashboardUrl, { timeoutMs: 30_000, signal }));
    }
    let sink: Supervised | undefined;
    if (options.sink && !options.signal.aborted) {
      sink = launch({ name: 'sink', args: ['sink'], env, stopTimeoutMs: 30_000 }, false);
    }
    let generator: Supervised | undefined;
    if (options.generate && !options.signal.aborted) {
      generator = launch({ name: 'generator', args: ['generate'], env, stopTimeoutMs: 30_000, mayFinish: true }, false);
    }

    const lines = [
      '',
      `kch up: pipeline running (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
      `  kafka       ${bootstrap.padEnd(24)} ${!kafka ? 'external' : kafkaNodes.length > 1 ? `local cluster of ${kafkaNodes.length}, pid ${kafka.process.pid}, logs ${dataDir}/kafka-cluster/node-*/logs/server.log` : `local broker, pid ${kafka.process.pid}, log ${dataDir}/kafka/logs/server.log`}`,
      `  clickhouse  ${clickhouseUrl.padEnd(24)} ${clickhouse ? `embedded, pid ${clickhouse.process.pid}, data ${dataDir}/clickhouse` : 'external'}`,
      ...(sink ? [`  sink        pid ${sink.process.pid} (streams with ingest sink, exactly once)`] : []),
      `  generator   ${generator ? `pid ${generator.process.pid}` : 'not started'}`,
      `  dashboard   ${dashboard ? `${dashboardUrl.padEnd(24)} pid ${dashboard.process.pid}` : 'not started'}`,
      `  try:        npm run kch -- query "SELECT count() FROM ${options.exampleTable ?? 'sales'}"`,
      '  stop:       Ctrl-C',
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
    log.info('every service stopped');
  }
}
