/**
 * The generator on several threads. One thread makes and sends ~130k events/s: it spends its
 * time building events and encoding Kafka batches, and sends one request at a time (an idempotent
 * producer must). N threads, each with its own seed and its own idempotent producer, keep N
 * requests in flight and use N cores. The main thread only adds up their acknowledgements.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, KchError, type ErrorCode } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import { badKinds, type BadKind } from './bad-messages.js';
import { describePace, type Pace } from './pacing.js';
import type { GenerateReport } from './run.js';
import type { WorkerMessage, WorkerTask } from './worker.js';

/** Up to this many events/s one thread is enough (it does ~300k/s at `max`, leaving room for the rest). */
export const ONE_THREAD_RATE = 150_000;
const MAX_AUTO_WORKERS = 4;

/** `auto`: one thread for the seed's pace and rates up to 150,000/s, else one per core (at most 4). */
export function workersFor(setting: string | undefined, pace: Pace): number {
  if (setting === undefined || setting === 'auto') {
    if (pace.kind === 'seed' || (pace.kind === 'rate' && pace.perSecond <= ONE_THREAD_RATE)) return 1;
    return Math.max(1, Math.min(availableParallelism(), MAX_AUTO_WORKERS));
  }
  const n = Number(setting);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new KchError(ErrorCodes.USAGE, `--workers must be auto or a whole number from 1 to 64, got ${setting}`);
  if (pace.kind === 'seed' && n > 1) throw new KchError(ErrorCodes.USAGE, '--workers above 1 needs --rate max or a number: the seed pace is one event at a time');
  return n;
}

/**
 * Worker i's events' seed: worker 0 keeps the seed (one worker makes what the single-threaded
 * generator makes), the others get well-mixed neighbours so their event ids never meet. The
 * catalog stays the run's seed's in every worker: a product has one name and one price.
 */
export function workerSeed(seed: number, index: number): number {
  if (index === 0) return seed >>> 0;
  let z = (seed + Math.imul(index, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export interface ParallelOptions extends Omit<WorkerTask, 'index' | 'drawSeed'> {
  readonly workers: number;
  readonly signal?: AbortSignal;
  readonly log: Logger;
}

/** Splits `total` into `parts` shares differing by at most one. */
function share(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

export async function generateInWorkers(options: ParallelOptions): Promise<GenerateReport> {
  const { workers: n, pace, log } = options;
  const started = Date.now();
  log.info(`generating ${describePace(pace)} on ${n} threads, seed ${options.seed}${options.count !== undefined ? `, ${options.count} events` : ''}${options.durationMs ? `, for ${options.durationMs / 1000} s` : ''}`);
  const acknowledged: Record<string, number> = {};
  let total = 0;
  let bytes = 0;
  let lastLog = started;
  let loggedAt = 0;
  const progress = (topics: Readonly<Record<string, number>>, batchBytes: number): void => {
    for (const [topic, count] of Object.entries(topics)) {
      acknowledged[topic] = (acknowledged[topic] ?? 0) + count;
      total += count;
    }
    bytes += batchBytes;
    const now = Date.now();
    if (now - lastLog < 5000) return;
    log.info(`sent ${total} events, ${Math.round(((total - loggedAt) * 1000) / (now - lastLog))} events/s, ${(bytes / 1e6).toFixed(1)} MB`);
    lastLog = now;
    loggedAt = total;
  };

  const threads: Worker[] = [];
  const results = Array.from({ length: n }, (_, index) => new Promise<GenerateReport>((resolve, reject) => {
    const task: WorkerTask = {
      index,
      bootstrap: options.bootstrap,
      pace: pace.kind === 'rate' ? { kind: 'rate', perSecond: pace.perSecond / n } : pace,
      seed: options.seed,
      drawSeed: workerSeed(options.seed, index),
      topicPrefix: options.topicPrefix,
      badRatio: options.badRatio,
      configFile: options.configFile,
      ...(options.count !== undefined ? { count: share(options.count, n, index) } : {}),
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
    };
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: task });
    threads.push(worker);
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'log') process.stderr.write(message.line);
      else if (message.type === 'acknowledged') progress(message.topics, message.bytes);
      else if (message.type === 'done') { settled = true; resolve(message.report); }
      else {
        settled = true;
        const known = (Object.values(ErrorCodes) as string[]).includes(message.code ?? '');
        // A KchError crosses the thread as its code and message; anything else is a bug, kept
        // a plain Error with the thread's stack so the CLI shows where it happened.
        reject(known ? new KchError(message.code as ErrorCode, message.message, { retriable: message.retriable }) : threadBug(index, message));
      }
    });
    worker.on('error', (error) => { settled = true; reject(error); });
    worker.on('exit', (code) => {
      if (!settled) reject(new KchError(ErrorCodes.SERVICE_FAILED, `generator thread ${index} exited with code ${code} before reporting`, { details: { thread: index, exitCode: code } }));
    });
  }));

  const stopAll = (): void => { for (const worker of threads) worker.postMessage('stop'); };
  options.signal?.addEventListener('abort', stopAll, { once: true });
  const settled = await Promise.allSettled(results);
  options.signal?.removeEventListener('abort', stopAll);
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    stopAll();
    throw failure.reason;
  }
  const reports = settled.map((r) => (r as PromiseFulfilledResult<GenerateReport>).value);
  const malformed = Object.fromEntries(badKinds.map((kind) => [kind, reports.reduce((sum, r) => sum + r.malformed[kind], 0)])) as Record<BadKind, number>;
  const perTopic: Record<string, number> = {};
  for (const report of reports) for (const [topic, count] of Object.entries(report.acknowledged)) perTopic[topic] = (perTopic[topic] ?? 0) + count;
  return {
    acknowledged: perTopic,
    total: reports.reduce((sum, r) => sum + r.total, 0),
    bytes: reports.reduce((sum, r) => sum + r.bytes, 0),
    elapsedMs: Math.max(...reports.map((r) => r.elapsedMs)),
    stoppedBy: options.signal?.aborted ? 'signal' : reports[0]!.stoppedBy,
    malformed,
  };
}

function threadBug(index: number, message: Extract<WorkerMessage, { type: 'failed' }>): Error {
  const error = new Error(`generator thread ${index}: ${message.message}`);
  if (message.stack !== undefined) error.stack = `${error.name}: ${error.message}\n${message.stack.split('\n').slice(1).join('\n')}`;
  return error;
}
