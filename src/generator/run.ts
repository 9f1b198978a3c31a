import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordSet } from '../kafka/records.js';
import { RecordSetBuilder } from '../kafka/records.js';
import type { Logger } from '../output/log.js';
import { topicOf } from '../pipeline/resolve.js';
import { assertEvent, assertParsedEvent, type StreamDefinition } from '../pipeline/stream.js';
import { stringifyJson } from '../pipeline/json.js';
import { BadMessages, badKinds, type BadKind } from './bad-messages.js';
import { JsonBytes } from './json-bytes.js';
import { EventSource, mixFor } from './mix.js';
import { describePace, dueEvents, lingerEvents, seedPauseMs, type Pace } from './pacing.js';

/** What the generator writes to: a Kafka producer, or anything that takes the same batches. */
export interface EventSink {
  send(messages: { topic: string; value: Buffer }[]): Promise<void>;
  /** Records already encoded, one set per topic (KafkaProducer.sendSets): the generator's fast way. */
  sendSets?(sets: readonly RecordSet[]): Promise<void>;
}

/**
 * One event in this many is parsed back from the bytes written and validated in full. Every
 * string an event can carry was checked when the vocabularies were encoded, and the writers are
 * tested byte for byte against the validated objects; this catches what would still slip through.
 */
const CHECK_EVERY = 1000;

export interface GenerateOptions {
  readonly sink: EventSink;
  /** The streams to feed. */
  readonly streams: readonly StreamDefinition[];
  readonly pace: Pace;
  readonly seed: number;
  /** The events' own seed when it differs from `seed` (a generator thread's); the catalog stays `seed`'s. */
  readonly drawSeed?: number;
  readonly topicPrefix: string;
  readonly count?: number;
  readonly durationMs?: number;
  readonly signal?: AbortSignal;
  readonly log: Logger;
  /** Batches sent at once at high rates. @default 4 */
  readonly inFlight?: number;
  /** Events per batch at high rates. @default 2000 (500 with a bad ratio) */
  readonly batchSize?: number;
  readonly clock?: () => Date;
  /** Share of messages made malformed on purpose (0..1), one kind of each in turn. @default 0 */
  readonly badRatio?: number;
  /** Called after each acknowledged batch; a worker thread reports its progress with it. */
  readonly onAcknowledged?: (batch: { readonly topics: Readonly<Record<string, number>>; readonly bytes: number }) => void;
  /** Log "generating …" and the rate every 5 s. Off in worker threads: the main thread logs the sum. @default true */
  readonly progress?: boolean;
}

export interface GenerateReport {
  /** Events acknowledged by the broker, per topic. */
  readonly acknowledged: Readonly<Record<string, number>>;
  readonly total: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  /** Why it stopped. */
  readonly stoppedBy: 'count' | 'duration' | 'signal';
  /** Of `total`, the malformed messages acknowledged, per kind (all 0 without a bad ratio). */
  readonly malformed: Readonly<Record<BadKind, number>>;
}

/**
 * Makes events, validates each against its stream definition, and sends them in batches.
 * Counts only what the broker acknowledged: an event reported as sent is in Kafka.
 */
export async function generate(options: GenerateOptions): Promise<GenerateReport> {
  const { sink, pace, log } = options;
  const source = new EventSource(options.seed, mixFor(options.streams), options.drawSeed ?? options.seed);
  const clock = options.clock ?? (() => new Date());
  const started = Date.now();
  const acknowledged: Record<string, number> = {};
  const bad = options.badRatio ? new BadMessages(options.drawSeed ?? options.seed, options.badRatio) : undefined;
  const malformed = Object.fromEntries(badKinds.map((kind) => [kind, 0])) as Record<BadKind, number>;
  let made = 0;
  let total = 0;
  let bytes = 0;
  let lastLog = started;
  let loggedAt = 0;
  const limit = options.count ?? Number.POSITIVE_INFINITY;
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  // Smaller batches with malformed messages: oversized ones would push a batch past Kafka's 1 MB.
  const batchSize = pace.kind === 'seed' ? 1 : (options.batchSize ?? (bad ? 500 : 2000));
  const inFlightMax = pace.kind === 'seed' ? 1 : (options.inFlight ?? 4);
  const inFlight = new Set<Promise<void>>();
  // The first send that failed, boxed so that any rejection reason counts (even a falsy one).
  let failure: { error: unknown } | undefined;

  const progress = options.progress ?? true;
  if (progress) log.info(`generating ${describePace(pace)}, seed ${options.seed}${Number.isFinite(limit) ? `, ${limit} events` : ''}${options.durationMs ? `, for ${options.durationMs / 1000} s` : ''}`);

  const stopReason = (): GenerateReport['stoppedBy'] | undefined => {
    if (options.signal?.aborted) return 'signal';
    if (made >= limit) return 'count';
    if (Date.now() >= deadline) return 'duration';
    return undefined;
  };

  const report = (): void => {
    if (!progress) return;
    if (pace.kind === 'seed') {
      if (total - loggedAt >= 10) {
        loggedAt = total - (total % 10);
        log.info(`sent ${total} events (${Object.entries(acknowledged).map(([t, n]) => `${t}: ${n}`).join(', ')})`);
      }
      return;
    }
    const now = Date.now();
    if (now - lastLog < 5000) return;
    const rate = ((total - loggedAt) * 1000) / (now - lastLog);
    log.info(`sent ${total} events, ${Math.round(rate)} events/s, ${(bytes / 1e6).toFixed(1)} MB`);
    lastLog = now;
    loggedAt = total;
  };

  const acknowledge = (topics: Record<string, number>, batchBytes: number): void => {
    let events = 0;
    for (const [topic, n] of Object.entries(topics)) {
      acknowledged[topic] = (acknowledged[topic] ?? 0) + n;
      events += n;
    }
    bytes += batchBytes;
    total += events;
    options.onAcknowledged?.({ topics, bytes: batchBytes });
    report();
  };

  const track = (sending: Promise<void>): void => {
    const tracked = sending.catch((error: unknown) => { failure ??= { error }; });
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  };

  const dispatch = (batch: { topic: string; value: Buffer }[], kinds: (BadKind | undefined)[]): void => {
    track(sink.send(batch).then(() => {
      for (const kind of kinds) if (kind) malformed[kind] += 1;
      const topics: Record<string, number> = {};
      let batchBytes = 0;
      for (const message of batch) {
        topics[message.topic] = (topics[message.topic] ?? 0) + 1;
        batchBytes += message.value.length;
      }
      acknowledge(topics, batchBytes);
    }));
  };

  const dispatchSets = (sets: readonly RecordSet[]): void => {
    track(sink.sendSets!(sets).then(() => {
      const topics: Record<string, number> = {};
      let batchBytes = 0;
      for (const set of sets) {
        topics[set.topic] = set.count;
        batchBytes += set.valueBytes;
      }
      acknowledge(topics, batchBytes);
    }));
  };

  // Topic names per stream, made once rather than per event.
  const topics = new Map<StreamDefinition, string>();
  const topicFor = (stream: StreamDefinition): string => {
    let topic = topics.get(stream);
    if (topic === undefined) topics.set(stream, topic = topicOf(stream, options));
    return topic;
  };
  // Without malformed messages to mix in, events are written as bytes straight into record sets.
  const fast = !bad && pace.kind !== 'seed' && sink.sendSets !== undefined;
  const json = new JsonBytes();
  const builders = source.streams.map((m) => new RecordSetBuilder(topicFor(m.stream)));
  let sinceCheck = 0;
  let stoppedBy: GenerateReport['stoppedBy'] | undefined;
  while (!(stoppedBy = stopReason())) {
    if (failure) break;
    let wanted = batchSize;
    if (pace.kind === 'rate') {
      const due = dueEvents(pace.perSecond, Date.now() - started, made);
      const enough = Math.min(lingerEvents(pace.perSecond, batchSize), limit - made);
      if (due < enough) {
        await sleep(Math.max(1, Math.min(50, ((enough - due) * 1000) / pace.perSecond)));
        continue;
      }
      wanted = Math.min(batchSize, due);
    }
    wanted = Math.min(wanted, limit - made);
    if (fast) {
      const now = clock();
      for (let i = 0; i < wanted; i++) {
        json.reset();
        const index = source.writeNext(json, now);
        builders[index]!.append(json.buffer, json.length);
        if (++sinceCheck === CHECK_EVERY) {
          sinceCheck = 0;
          assertParsedEvent(source.streams[index]!.stream, json.buffer.subarray(0, json.length));
        }
      }
      made += wanted;
      const sets: RecordSet[] = [];
      for (const builder of builders) {
        const set = builder.take();
        if (set) sets.push(set);
      }
      dispatchSets(sets);
      if (inFlight.size >= inFlightMax) await Promise.race(inFlight);
      continue;
    }
    const batch: { topic: string; value: Buffer }[] = [];
    const kinds: (BadKind | undefined)[] = [];
    const now = clock();
    for (let i = 0; i < wanted; i++) {
      const { stream, event } = source.next(now);
      assertEvent(stream, event);
      const broken = bad?.next(stream, event);
      batch.push({ topic: topicFor(stream), value: broken ? broken.value : Buffer.from(stringifyJson(event)) });
      kinds.push(broken?.kind);
    }
    made += batch.length;
    dispatch(batch, kinds);
    if (inFlight.size >= inFlightMax) await Promise.race(inFlight);
    if (pace.kind === 'seed') {
      await Promise.all(inFlight);
      await sleepUnlessAborted(seedPauseMs(), options.signal);
    }
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  const elapsedMs = Date.now() - started;
  return { acknowledged, total, bytes, elapsedMs, stoppedBy: stoppedBy ?? 'signal', malformed };
}

async function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch {
    // Aborted: the loop sees the signal and stops.
  }
}
