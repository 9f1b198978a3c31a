/**
 * `kch verify`: produces N uniquely tagged events at a steady rate, watches them arrive in
 * ClickHouse, and accounts for every one: acknowledged by Kafka, present in a target table (how
 * many times), in a dead-letter table, or lost. Kafka or ClickHouse may go away while it runs
 * (that is what it is for): the producer holds and retries, and the observer keeps asking until
 * its deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { toKchError } from '../clickhouse/errors.js';
import { ConsumerWatch, consumerRows, describeConsumerEvent } from '../clickhouse/kafka-consumers.js';
import { ErrorCodes, KchError, isKchError, messageOf } from '../errors/kch-error.js';
import { dueEvents } from '../generator/pacing.js';
import { listEndOffsets, waitForKafka } from '../kafka/admin.js';
import { createProducer, type KafkaProducer, type OutgoingMessage } from '../kafka/producer.js';
import type { Logger } from '../output/log.js';
import type { ClickHouseConnectionOptions } from '../clickhouse/client.js';
import { connectClickHouse, type ClickHouseConnection } from '../clickhouse/connect.js';
import { databaseExists, existingTables } from '../clickhouse/system.js';
import { topicOf } from '../pipeline/resolve.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import { VerifyEvents, type BadKind } from './events.js';
import { Ledger, arrivalEstimate } from './ledger.js';
import { Observer, type ObservedStream } from './observe.js';
import { buildReport, type VerifyReport } from './report.js';
import { MAX_SEQUENCE, newRunId, runPrefix, verifiableId } from './tag.js';

export interface VerifyOptions {
  readonly bootstrap: string;
  /** Where and as whom ClickHouse is reached: the run makes its client, and closes it. */
  readonly clickhouse: ClickHouseConnectionOptions;
  /** The pipeline's database (every query names it). */
  readonly database: string;
  readonly topicPrefix: string;
  readonly count: number;
  /** Events per second; undefined: as fast as Kafka acknowledges. */
  readonly rate: number | undefined;
  /** How long to wait, after the last acknowledgement, for the events to reach ClickHouse. */
  readonly timeoutMs: number;
  /** Share of events made bad on purpose (0..1). @default 0 */
  readonly badRatio?: number;
  readonly run?: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** The streams to feed. */
  readonly streams: readonly StreamDefinition[];
  /** @default 500 */
  readonly pollIntervalMs?: number;
  /** @default 5000 */
  readonly progressIntervalMs?: number;
  /** A producer to use instead of creating one (tests). */
  readonly producer?: Pick<KafkaProducer, 'send' | 'close'>;
}

/** Events per send at most; at a fixed rate a send carries what fell due since the last one. */
const MAX_BATCH = 1000;
const IN_FLIGHT = 4;
/** Extra look-back of each poll: a row's processing_time is when its block started. */
const POLL_MARGIN_SEC = 10;
/** With events outstanding and nothing new for this long, rescan the whole run. */
const SWEEP_AFTER_MS = 5_000;
/**
 * How long a ClickHouse still starting may take to answer before the run says it is not there:
 * a few seconds (less with a shorter --timeout), so that a wrong address is said at once.
 */
const CLICKHOUSE_GRACE_MS = 3_000;

export async function runVerify(options: VerifyOptions): Promise<VerifyReport> {
  const streams = options.streams;
  for (const stream of streams) verifiableId(stream);
  if (!Number.isSafeInteger(options.count) || options.count < 1 || options.count > MAX_SEQUENCE) {
    throw new KchError(ErrorCodes.USAGE, `--count must be between 1 and ${MAX_SEQUENCE}, got ${options.count}`);
  }
  const badRatio = options.badRatio ?? 0;
  if (!(badRatio >= 0 && badRatio <= 1)) throw new KchError(ErrorCodes.USAGE, `--bad-ratio must be between 0 and 1, got ${badRatio}`);
  const run = options.run ?? newRunId();

  // Preflight: everything the run needs must be there, or one line says what to do.
  const url = options.clickhouse.url;
  const connection = await connectClickHouse({ ...options.clickhouse, waitMs: Math.min(CLICKHOUSE_GRACE_MS, options.timeoutMs), signal: options.signal })
    .catch((error: unknown) => { throw isKchError(error) ? error : toKchError(error, url); });
  try {
    return await verifyOn(connection, options, run, badRatio);
  } finally {
    await connection.client.close();
  }
}

/** The run itself, on a server that answered: the rest of the preflight, producing, watching, the report. */
async function verifyOn({ client, url, features }: ClickHouseConnection, options: VerifyOptions, run: string, badRatio: number): Promise<VerifyReport> {
  const { log, signal, streams } = options;
  const prefix = runPrefix(run);
  if (!(await databaseExists(client, options.database).catch((e: unknown) => { throw toKchError(e, url); }))) {
    throw new KchError(ErrorCodes.CONFIG, `database ${options.database} does not exist at ${url}: run kch migrate first`);
  }
  const tables = await existingTables(client, options.database).catch((e: unknown) => { throw toKchError(e, url); });
  const missing = streams.flatMap((s) => [s.target, s.deadLetter, s.kafkaTable].filter((name) => !tables.has(name)));
  if (missing.length) {
    throw new KchError(ErrorCodes.CONFIG, `${missing.map((m) => `${options.database}.${m}`).join(', ')} missing at ${url}: run kch migrate first`);
  }
  const dedupViews = new Map(streams.filter((s) => tables.has(s.dedupView)).map((s) => [s.name, s.dedupView]));
  // A wrong address should not keep a short run waiting longer than it would wait for events.
  await waitForKafka(options.bootstrap, { timeoutMs: Math.min(30_000, options.timeoutMs), signal });
  const topics = streams.map((s) => topicOf(s, options));
  const ends = await listEndOffsets(options.bootstrap, topics);
  const absent = topics.filter((t) => (ends.get(t)?.size ?? 0) === 0);
  if (absent.length) throw new KchError(ErrorCodes.CONFIG, `topic(s) ${absent.join(', ')} do not exist: run kch migrate first (it creates them)`);

  const badKinds: BadKind[] = features.kafkaErrorStream ? ['check', 'unparsable'] : ['check'];
  const events = new VerifyEvents({ run, streams, seed: Number.parseInt(run, 16), badRatio, badKinds });
  const ledger = new Ledger(options.count);
  const startedAt = Date.now();
  const startedSec = Math.floor(startedAt / 1000);
  const observed: ObservedStream[] = streams.map((stream, index) => ({ stream, index }));
  const observer = new Observer({ client, url: url, database: options.database, streams: observed, prefix, startedSec, dedupViews });
  const streamIndex = new Map(streams.map((s, i) => [s, i]));
  log.info(`run ${run}: ${options.count} events ${options.rate ? `at ${options.rate} events/s` : 'as fast as Kafka takes them'}${badRatio ? `, ${(badRatio * 100).toFixed(2)} % bad on purpose` : ''}; ids start with ${prefix}`);

  // The observer: polls for arrivals until told to stop, riding out ClickHouse outages.
  const stopObserving = new AbortController();
  let outage: string | undefined;
  let lastProgress = 0;
  let lastNewArrival = Date.now();
  let previousPoll = startedAt;
  let polls = 0;
  // Why events stop arriving, when the server can say (system.kafka_consumers, 23.8+).
  const consumers = new ConsumerWatch(30_000);
  let consumersKnown = true;
  const watchConsumers = async (): Promise<void> => {
    if (!consumersKnown) return;
    try {
      for (const event of consumers.update(await consumerRows(client, options.database, { url: url }), Date.now())) {
        const line = `ClickHouse: ${describeConsumerEvent(event)}`;
        if (event.kind === 'resumed') log.info(line);
        else log.warn(line);
      }
    } catch (error) {
      const mapped = toKchError(error, url);
      if (!mapped.retriable) consumersKnown = false;
    }
  };
  const observe = async (): Promise<void> => {
    const pollEvery = options.pollIntervalMs ?? 500;
    while (!stopObserving.signal.aborted && !signal.aborted) {
      const pollStart = Date.now();
      try {
        const stalled = ledger.acknowledged > ledger.accounted && pollStart - lastNewArrival > SWEEP_AFTER_MS;
        const since = stalled ? startedSec - 60 : Math.floor(previousPoll / 1000) - POLL_MARGIN_SEC;
        let fresh = 0;
        for (const arrival of await observer.arrivals(since)) {
          if (ledger.arrival(arrival.seq, arrivalEstimate(arrival.processingTime, previousPoll, pollStart))) fresh += 1;
        }
        if (polls % 4 === 0 || stalled) {
          for (const seq of (await observer.deadLetterCounts()).keys()) ledger.deadLetter(seq);
        }
        if (polls % 6 === 0) await watchConsumers();
        if (fresh > 0 || stalled) lastNewArrival = pollStart;
        previousPoll = pollStart;
        polls += 1;
        if (outage !== undefined) {
          log.info(`ClickHouse answers again; ${ledger.arrived} of the run's events seen so far`);
          outage = undefined;
        }
      } catch (error) {
        const text = messageOf(error);
        if (outage === undefined) log.warn(`cannot look into ClickHouse (${text}); still producing and retrying`);
        outage = text;
        if (isKchError(error) && !error.retriable && error.code !== ErrorCodes.CLICKHOUSE_QUERY) throw error;
      }
      await sleep(Math.max(0, pollEvery - (Date.now() - pollStart)), undefined, { signal: stopObserving.signal }).catch(() => undefined);
    }
  };

  const progress = (phase: 'sending' | 'waiting', deadline?: number): void => {
    const now = Date.now();
    if (now - lastProgress < (options.progressIntervalMs ?? 5_000)) return;
    const elapsed = Math.max(0.001, (now - startedAt) / 1000);
    if (phase === 'sending') {
      log.info(`sent ${ledger.sent}/${options.count}, acknowledged ${ledger.acknowledged}, ${Math.round(ledger.sent / elapsed)} events/s; in ClickHouse ${ledger.arrived}, dead letters ${ledger.deadLetters}`);
    } else {
      const left = deadline === undefined ? 0 : Math.max(0, Math.round((deadline - now) / 1000));
      log.info(`waiting for ${ledger.acknowledged - ledger.accounted} event(s): ${ledger.arrived}/${ledger.acknowledged} in ClickHouse, dead letters ${ledger.deadLetters}; ${left} s left`);
    }
    lastProgress = now;
  };

  const producer = options.producer ?? createProducer({ bootstrap: options.bootstrap, clientId: 'kch-verify', log });
  const observing$ = observe();
  let failure: unknown;
  let sendEndedAt: number;
  let timedOut: boolean;
  try {
    // Produce at the asked rate; at most IN_FLIGHT sends outstanding (the producer holds them
    // while Kafka is away, so production pauses instead of piling up).
    const inFlight = new Set<Promise<void>>();
    let next = 0;
    lastProgress = startedAt;
    while (next < options.count && !signal.aborted && failure === undefined) {
      let wanted = MAX_BATCH;
      if (options.rate !== undefined) {
        wanted = Math.min(MAX_BATCH, dueEvents(options.rate, Date.now() - startedAt, next));
        if (wanted === 0) {
          progress('sending');
          await sleep(20);
          continue;
        }
      }
      wanted = Math.min(wanted, options.count - next);
      const now = new Date();
      const from = next;
      const messages: OutgoingMessage[] = [];
      for (let i = 0; i < wanted; i++, next++) {
        const event = events.next(next, now);
        ledger.made(next, streamIndex.get(event.stream) ?? 0, event.bad !== undefined, now.getTime());
        messages.push({ topic: topicOf(event.stream, options), value: event.value });
      }
      const to = next;
      const sending = producer.send(messages).then(
        () => ledger.acked(from, to, Date.now()),
        (error: unknown) => { ledger.unacknowledged(from, to); failure ??= error; },
      );
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      progress('sending');
    }
    await Promise.all(inFlight);
    sendEndedAt = Date.now();
    if (failure !== undefined) log.error(`the producer gave up: ${messageOf(failure)}; ${ledger.failed} event(s) not acknowledged`);
    log.info(`sent ${ledger.sent} events in ${((sendEndedAt - startedAt) / 1000).toFixed(1)} s, ${ledger.acknowledged} acknowledged; waiting up to ${Math.round(options.timeoutMs / 1000)} s for them in ClickHouse`);

    const deadline = (Number.isNaN(ledger.lastAckAt) ? sendEndedAt : ledger.lastAckAt) + options.timeoutMs;
    lastProgress = 0;
    while (!ledger.complete && !signal.aborted && Date.now() < deadline) {
      progress('waiting', deadline);
      await Promise.race([sleep(250), observing$]);
    }
    timedOut = !ledger.complete && !signal.aborted;
    if (timedOut) log.warn(`deadline reached with ${ledger.acknowledged - ledger.accounted} acknowledged event(s) not seen in ClickHouse`);
  } finally {
    stopObserving.abort();
    await producer.close(signal.aborted ? 0 : 10_000);
    await observing$.catch(() => undefined);
  }

  // The final word comes from full counts, not from the polls.
  const finalDeadline = Date.now() + (signal.aborted ? 0 : 60_000);
  for (;;) {
    try {
      const [targetCounts, deadLetterCounts, dedupCount] = await Promise.all([observer.targetCounts(), observer.deadLetterCounts(), observer.dedupCount()]);
      return buildReport({
        run, requested: options.count, ledger,
        streams: streams.map((s) => ({ name: s.name, target: s.target })),
        targetCounts, deadLetterCounts, dedupCount,
        startedAt, sendEndedAt, endedAt: Date.now(), timedOut, interrupted: signal.aborted,
      });
    } catch (error) {
      if (!isKchError(error) || !error.retriable || Date.now() > finalDeadline) throw error;
      await sleep(1000);
    }
  }
}
