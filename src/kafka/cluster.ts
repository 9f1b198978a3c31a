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
import { ErrorCodes, KchError } from '../errors.js';
import { controllerHostFor, newClusterId, startBroker, type RunningBroker, type StartBrokerOptions } from './broker.js';
import { formatBroker, formatHost } from './brokers.js';
import { ensureKafkaRuntime } from './runtime.js';

export const MAX_NODES = 5;

export interface RunningCluster {
  /** Every node's address, comma-separated: what clients bootstrap from. */
  readonly bootstrap: string;
  readonly nodes: readonly RunningBroker[];
  readonly version: string;
  /** Every node stopped (controlled shutdown), in parallel. */
  stop(): Promise<void>;
  /** The first node's exit, whichever it is: a cluster that lost a node is reported. */
  readonly exited: Promise<{ node: number; code: number | null }>;
}

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
  const started = await Promise.allSettled(ports.map((n) => startBroker({
    ...options,
    runtime,
    port: n.port,
    controllerPort: n.controllerPort,
    log: options.log.child(`kafka-${n.id}`),
    node: { id: n.id, kafkaDir: join(folder, `node-${n.id}`), voters, replicas, clusterId },
  })));
  const nodes = started.flatMap((r) => r.status === 'fulfilled' ? [r.value] : []);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw failed.reason;
  }
  const exited = Promise.race(nodes.map((n, i) => n.exited.then((code) => ({ node: i + 1, code }))));
  return {
    bootstrap: nodes.map((n) => n.bootstrap).join(','),
    nodes,
    version: runtime.version,
    stop: async () => { await Promise.all(nodes.map((n) => n.stop())); },
    exited,
  };
}

