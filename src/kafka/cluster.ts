/**
 * A local Kafka cluster: `nodes` real brokers on this machine, each broker and controller in one
 * JVM, the controllers a quorum of them all. Kafka's own replication, nothing of ours: topics
 * take three copies (as many as there are nodes when fewer) and a write needs two of them
 * (min.insync.replicas), the producer asks for all (acks=all), so one node may die without an
 * acknowledged event lost.
 *
 * Node n (1-based) listens on the broker port + 2(n−1) and the controller port + 2(n−1): the
 * first keeps 9092/9093, so every client's default bootstrap still reaches the cluster; the others
 * take 9094/9095 and 9096/9097. Each keeps its data in `<dataDir>/kafka-cluster/node-<n>/`,
 * apart from a single node's `<dataDir>/kafka/` (a node's metadata log records its quorum).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';
import { controllerHostFor, newClusterId, startBroker, type RunningBroker, type StartBrokerOptions } from './broker.js';
import { formatBroker, formatHost } from './brokers.js';
import { ensureKafkaRuntime } from './runtime.js';

export const MAX_NODES = 5;

export interface RunningCluster {
  /** Every node's address, comma-separated: what clients bootstrap from. */
  readonly bootstrap: string;
  /** Each node as it runs now: a node started again after it died is a new process. */
  readonly nodes: readonly RunningBroker[];
  readonly version: string;
  /** Every node stopped (controlled shutdown), in parallel; no node is started again after. */
  stop(): Promise<void>;
  /**
   * A node that died too often to start again (more than RESTARTS.limit times in
   * RESTARTS.windowMs): the others serve on without it.
   */
  readonly gaveUp: Promise<{ node: number; code: number | null; logFile: string }>;
}

/**
 * A node that dies is started again, as a machine's service manager would restart a broker: first
 * after 5 s (its partitions' leadership has moved by then, and a cause that kills it at once
 * is not hammered), then 10, 20… up to 60 s; after the 5th death in 10 minutes it is left down.
 */
export const RESTARTS = { firstDelayMs: 5_000, maxDelayMs: 60_000, limit: 5, windowMs: 10 * 60_000 } as const;

/** Each node's broker and controller port. */
export function nodePorts(port: number, controllerPort: number, nodes: number): { id: number; port: number; controllerPort: number }[] {
  const out = Array.from({ length: nodes }, (_, i) => ({ id: i + 1, port: port + 2 * i, controllerPort: controllerPort + 2 * i }));
  const taken = out.flatMap((n) => [n.port, n.controllerPort]);
  const clash = taken.find((p, i) => taken.indexOf(p) !== i);
  if (clash !== undefined) {
    throw new KchError(ErrorCodes.USAGE, `--kafka-port ${port} and --kafka-controller-port ${controllerPort} give port ${clash} to two of ${nodes} nodes (node n takes each + 2(n−1)); choose ports further apart`);
  }
  if (taken.some((p) => p > 65_535)) throw new KchError(ErrorCodes.USAGE, `${nodes} nodes from --kafka-port ${port} run past port 65535`);
  return out;
}

export function checkNodeCount(nodes: number): void {
  if (!Number.isSafeInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw new KchError(ErrorCodes.USAGE, `--nodes (KAFKA_NODES) must be a whole number from 1 to ${MAX_NODES}, got ${nodes}`);
  }
}

/** One id for the whole cluster, kept beside its nodes so that a restart reuses it. */
async function clusterIdIn(folder: string): Promise<string> {
  const file = join(folder, 'cluster-id');
  const kept = existsSync(file) ? (await readFile(file, 'utf8')).trim() : '';
  if (/^[A-Za-z0-9_-]{22}$/.test(kept)) return kept;
  const id = newClusterId();
  await writeFile(file, `${id}\n`);
  return id;
}

/**
 * Starts every node at once (a controller quorum elects a leader only once most of its voters
 * are up) and returns when each answers.
 */
export async function startCluster(options: Omit<StartBrokerOptions, 'node'> & { readonly nodes: number }): Promise<RunningCluster> {
  checkNodeCount(options.nodes);
  const ports = nodePorts(options.port, options.controllerPort, options.nodes);
  const folder = resolve(options.dataDir, 'kafka-cluster');
  await mkdir(folder, { recursive: true });
  const clusterId = await clusterIdIn(folder);
  const runtime = options.runtime ?? await ensureKafkaRuntime({ cacheDir: options.cacheDir, log: options.log });
  const controllerHost = formatHost(controllerHostFor(options.host));
  const voters = ports.map((n) => `${n.id}@${controllerHost}:${n.controllerPort}`).join(',');
  const replicas = Math.min(3, options.nodes);
  options.log.info(`starting a Kafka cluster of ${options.nodes} nodes (${ports.map((n) => formatBroker({ host: options.host, port: n.port })).join(', ')}), ${replicas} copies of each partition, writes acknowledged by ${replicas >= 3 ? 2 : 1}`);
  const startNode = (n: (typeof ports)[number]): Promise<RunningBroker> => startBroker({
    ...options,
    runtime,
    port: n.port,
    controllerPort: n.controllerPort,
    log: options.log.child(`kafka-${n.id}`),
    node: { id: n.id, kafkaDir: join(folder, `node-${n.id}`), voters, replicas, clusterId },
  });
  const started = await Promise.allSettled(ports.map(startNode));
  const nodes = started.flatMap((r) => r.status === 'fulfilled' ? [r.value] : []);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw failed.reason;
  }

  let stopping = false;
  const stopped = new AbortController();
  let giveUp!: (node: { node: number; code: number | null; logFile: string }) => void;
  const gaveUp = new Promise<{ node: number; code: number | null; logFile: string }>((resolve) => { giveUp = resolve; });
  /** Watches node i and starts it again each time it dies, until stop() or too many deaths. */
  const supervise = async (i: number): Promise<void> => {
    const port = ports[i]!;
    const deaths: number[] = [];
    let broker = nodes[i]!;
    for (;;) {
      let code = await broker.exited;
      for (;;) {
        if (stopping) return;
        const now = Date.now();
        deaths.push(now);
        while (deaths.length > 0 && now - deaths[0]! > RESTARTS.windowMs) deaths.shift();
        const how = code === null ? 'was killed' : `exited on its own with code ${code}`;
        if (deaths.length > RESTARTS.limit) {
          options.log.error(`Kafka node ${port.id} (pid ${broker.pid}) ${how}, its ${deaths.length}th death in ${RESTARTS.windowMs / 60_000} minutes: left down (see ${broker.logFile}). The other nodes go on`);
          giveUp({ node: port.id, code, logFile: broker.logFile });
          return;
        }
        const wait = Math.min(RESTARTS.firstDelayMs * 2 ** (deaths.length - 1), RESTARTS.maxDelayMs);
        options.log.error(`Kafka node ${port.id} (pid ${broker.pid}) ${how}; see ${broker.logFile}. The other nodes serve its partitions; starting it again in ${wait / 1000} s`);
        await delay(wait, undefined, { signal: stopped.signal }).catch(() => undefined);
        if (stopping) return;
        try {
          broker = await startNode(port);
        } catch (error) {
          options.log.error(`Kafka node ${port.id} did not start again: ${messageOf(error)}`);
          code = null;
          continue;
        }
        nodes[i] = broker;
        // Stopped while it was starting: it must not outlive the cluster.
        if (stopping) {
          await broker.stop();
          return;
        }
        options.log.info(`Kafka node ${port.id} is back (pid ${broker.pid}); it catches up with the others from its own log`);
        break;
      }
    }
  };
  const supervised = nodes.map((_, i) => supervise(i));
  return {
    bootstrap: nodes.map((n) => n.bootstrap).join(','),
    nodes,
    version: runtime.version,
    stop: async () => {
      stopping = true;
      stopped.abort();
      await Promise.all(nodes.map((n) => n.stop()));
      await Promise.all(supervised);
    },
    gaveUp,
  };
}
