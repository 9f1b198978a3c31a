/**
 * One generator thread (see workers.ts): makes its share of the events with a seed of its own and
 * sends them through a producer of its own, reporting each acknowledged batch to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isKchError } from '../errors/kch-error.js';
import { createProducer } from '../kafka/producer.js';
import { createLogger } from '../output/log.js';
import type { Pace } from './pacing.js';
import { pipelineStreams } from '../config/pipeline-file.js';
import { generate } from './run.js';

export interface WorkerTask {
  readonly index: number;
  readonly bootstrap: string;
  readonly pace: Pace;
  /** The run's seed: the catalog's, the same in every thread. */
  readonly seed: number;
  /** This thread's events' seed. */
  readonly drawSeed: number;
  readonly topicPrefix: string;
  readonly count?: number;
  readonly durationMs?: number;
  readonly badRatio: number;
  /** The pipeline file whose streams to feed (a thread loads it itself: definitions hold functions); the default pipeline's without one. */
  readonly configFile: string | undefined;
}

/** What a worker posts to the main thread. */
export type WorkerMessage =
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'acknowledged'; readonly topics: Readonly<Record<string, number>>; readonly bytes: number }
  | { readonly type: 'done'; readonly report: import('./run.js').GenerateReport }
  | { readonly type: 'failed'; readonly code: string | undefined; readonly message: string; readonly retriable: boolean; readonly stack?: string };

const port = parentPort;
// A misuse of this module, not a user's mistake: a plain Error with its stack.
if (!port) throw new Error('generator worker started outside a worker thread');
const task = workerData as WorkerTask;
const post = (message: WorkerMessage): void => port.postMessage(message);
const stop = new AbortController();
port.on('message', (message: unknown) => { if (message === 'stop') stop.abort(); });

const log = createLogger('generate', (line) => post({ type: 'log', line }));
const producer = createProducer({ bootstrap: task.bootstrap, clientId: `kch-generator-${task.index}`, log });
try {
  const streams = await pipelineStreams(task.configFile, log);
  const report = await generate({
    streams,
    sink: producer, pace: task.pace, seed: task.seed, drawSeed: task.drawSeed, topicPrefix: task.topicPrefix, log, signal: stop.signal,
    badRatio: task.badRatio, progress: false,
    onAcknowledged: ({ topics, bytes }) => post({ type: 'acknowledged', topics, bytes }),
    ...(task.count !== undefined ? { count: task.count } : {}),
    ...(task.durationMs !== undefined ? { durationMs: task.durationMs } : {}),
  });
  await producer.close();
  post({ type: 'done', report });
} catch (error) {
  await producer.close().catch(() => undefined);
  post({
    type: 'failed',
    code: isKchError(error) ? error.code : undefined,
    message: error instanceof Error ? error.message : String(error),
    retriable: isKchError(error) ? error.retriable : false,
    ...(!isKchError(error) && error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
  });
}
port.close();
