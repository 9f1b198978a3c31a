/**
 * One stream's sink: a member of the stream's consumer group (the Kafka table's, so that either
 * transport goes on from the other's committed offsets) that inserts each partition's messages
 * into the stream's input table, batch by batch, exactly once (docs/guarantees.md):
 *
 *   1. the batch's offset range is recorded in `<stream>_sink_ranges`;
 *   2. the batch is inserted with the token `<topic>:<partition>:<first>-<last>`, and ClickHouse
 *      drops it, in the target and in the dead letters, if a block with that token is there;
 *   3. once every batch before it is in too, the offset after it is committed to the group.
 *
 * Batches of a partition are inserted up to three at a time. Whoever reads the partition next
 * starts at the committed offset and loads the ranges recorded from there on: a batch that starts
 * where a recorded range starts may be in ClickHouse already, and is formed again to exactly that
 * range, so the same token.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ConnectionPool } from '@platformatic/kafka';
import { setTimeout as delay } from 'node:timers/promises';
import { insertBytes } from '../clickhouse/query.js';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import { clientBase } from '../kafka/admin.js';
import { fromKafkaError } from '../kafka/errors.js';
import { parseBrokers } from '../kafka/brokers.js';
import { backoffMs } from '../kafka/producer.js';
import { errorName, RawFetchConsumer, type RawFetchPartition } from '../kafka/raw-fetch-consumer.js';
import { readRecords } from '../kafka/records.js';
import { sinkInputColumns, type PipelineTarget } from '../pipeline/plan.js';
import { resolveStream } from '../pipeline/resolve.js';
import type { ServerFeatures } from '../pipeline/features.js';
import { tombstonesDelete, type StreamDefinition } from '../pipeline/stream.js';
import { RowBinaryBatch } from './rows.js';
import { SinkRanges, type Range } from './ranges.js';
import { poll } from '../time/poll.js';

export interface StreamSinkOptions {
  readonly stream: StreamDefinition;
  readonly target: PipelineTarget;
  readonly features: ServerFeatures;
  readonly bootstrap: string;
  readonly clickhouse: ClickHouseClient;
  readonly log: Logger;
  /** Most messages in one insert: 50,000 and 100,000 ingest alike (BENCHMARKS.md), 20,000 a tenth slower. @default 50_000 */
  readonly maxRows?: number;
  /** Longest a message waits for its batch to fill. @default target.flushIntervalMs (500) */
  readonly flushMs?: number;
}

/** What the sink has done, for its progress lines and `kch status`. */
export interface SinkCounters {
  inserted: number;
  batches: number;
  /** Batches formed again after a restart or a rebalance, to the range recorded before. */
  reformed: number;
}


interface PartitionState {
  /** Bumped at each (re)assignment and reconnection: work begun for an older one is dropped. */
  epoch: number;
  /** The offset the next fetch starts at; undefined until the start and the recorded ranges are known. */
  next: number | undefined;
  batch: RowBinaryBatch;
  /** The ranges recorded from the start on, first offset → last: a batch starting at one ends where it ended. */
  known: Map<number, number>;
  mustEndAt?: number;
  /** Settles when every batch cut so far is inserted and committed (commits go in order). */
  chain: Promise<void>;
  inFlight: number;
}

/** Fetch errors that mean "ask the cluster again who leads the partition". */
const LEADER_ERRORS = new Set([3, 5, 6, 74, 75, 78, 100]);
const OFFSET_OUT_OF_RANGE = 1;
/** Bytes per fetch, and per partition in it (compressed, as the broker keeps them). */
const FETCH_MAX_BYTES = 8 * 1024 * 1024;
const PARTITION_MAX_BYTES = 4 * 1024 * 1024;

export class StreamSink {
  readonly counters: SinkCounters = { inserted: 0, batches: 0, reformed: 0 };
  private readonly topic: string;
  private readonly group: string;
  private readonly ranges: SinkRanges;
  private readonly partitions = new Map<number, PartitionState>();
  private readonly maxRows: number;
  private readonly flushMs: number;
  private readonly insertSql: string;
  /** Whether each row carries the message key (a stream whose tombstones delete). */
  private readonly withKey: boolean;
  private stopping = false;
  /** The partitions the group gave this member at its last join; undefined before the first. */
  private owned: Set<number> | undefined;
  /** Between a rebalance's start and the next join: nothing is fetched, no range is recorded. */
  private rebalancing = false;
  private consumer: RawFetchConsumer | undefined;
  private running: Promise<void> | undefined;
  /** A fetch found a partition without its leader: the next waits a little. */
  private leaderMoved = false;
  /** Since when fetches fail (a broker away): after 10 s of it the membership starts afresh. */
  private failingSince: number | undefined;
  /** Ends the fetch loop's wait when there may be something to do (a join, a start known, a write done). */
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: StreamSinkOptions) {
    const { stream, target } = options;
    const names = resolveStream(stream, target);
    this.topic = names.topic;
    this.group = names.group;
    this.ranges = new SinkRanges(options.clickhouse, names.sinkRanges.toSql(), this.group);
    this.maxRows = options.maxRows ?? 50_000;
    this.flushMs = options.flushMs ?? target.flushIntervalMs ?? 500;
    this.withKey = tombstonesDelete(options.stream);
    this.insertSql = `INSERT INTO ${names.kafkaTable.toSql()} (${sinkInputColumns(options.features, options.stream).map((c) => c.name).join(', ')}) FORMAT RowBinary`;
  }

  /** Consumes until stop(); a lost connection to Kafka is retried with back-off. */
  run(): Promise<void> {
    this.running ??= this.consume();
    return this.running;
  }

  /** Stops fetching, writes what was read, commits it, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
  }

  private async consume(): Promise<void> {
    const { log } = this.options;
    const ticker = setInterval(() => this.flushDue(), Math.max(20, Math.floor(this.flushMs / 4)));
    try {
      for (let attempt = 1; !this.stopping; attempt += 1) {
        try {
          await this.consumeOnce();
          attempt = 0;
        } catch (error) {
          if (this.stopping) break;
          const wait = backoffMs(attempt, 5_000);
          log.warn(`${this.options.stream.name}: ${fromKafkaError(error, parseBrokers(this.options.bootstrap), 'consume').message}; again in ${(wait / 1000).toFixed(1)} s`);
          await this.closeConsumer();
          await delay(wait);
        }
      }
    } finally {
      clearInterval(ticker);
    }
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  /** Waits for wake() or `ms`, whichever comes first. */
  private async idle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => { clearTimeout(timer); resolve(); };
    });
  }

  private async closeConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.owned = undefined;
    // What was read and not cut was not written, so not committed: whoever reads next gets it again.
    for (const state of this.partitions.values()) this.drop(state);
    if (consumer) await new Promise<void>((resolve) => { consumer.close(true, () => resolve()); });
  }

  /** One membership of the group: joins, fetches until stop() or an error, and leaves. */
  private async consumeOnce(): Promise<void> {
    const addresses = parseBrokers(this.options.bootstrap);
    const base = clientBase(addresses);
    const clientId = `kch-sink-${this.options.stream.name}`;
    const consumer = new RawFetchConsumer({ clientId, groupId: this.group, ...base, sessionTimeout: 10_000, heartbeatInterval: 1_000, rebalanceTimeout: 20_000 });
    // Fetches wait up to maxWaitTime on their own connections, so heartbeats and commits never queue behind them.
    const fetches = new ConnectionPool(clientId, base);
    this.consumer = consumer;
    let failure: Error | undefined;
    consumer.on('error', (error: Error) => { failure ??= error; this.wake(); });
    consumer.on('consumer:group:rebalance', () => { this.rebalancing = true; });
    consumer.on('consumer:group:join', (payload: { assignments?: { topic: string; partitions: number[] }[] | null }) => {
      if (this.consumer !== consumer) return;
      this.owned = new Set(payload.assignments?.find((a) => a.topic === this.topic)?.partitions ?? []);
      this.rebalancing = false;
      // Every partition starts again from its committed offset: one that went to another member
      // and came back may have been read further meanwhile, and one kept loses only what was not cut.
      for (const [partition, state] of this.partitions) if (!this.owned.has(partition)) this.drop(state);
      for (const partition of this.owned) this.assign(consumer, partition, 'committed');
      this.wake();
    });
    try {
      consumer.topics.track(this.topic);
      await consumer.joinGroup({});
      while (!this.stopping && failure === undefined) {
        const ready = this.rebalancing || !this.owned ? [] : [...this.owned].filter((p) => {
          const state = this.partitions.get(p);
          // Three batches of a partition in flight are enough: Kafka keeps the rest meanwhile.
          return state !== undefined && state.next !== undefined && state.inFlight < 3;
        });
        if (ready.length === 0) {
          await this.idle(this.flushMs);
          continue;
        }
        await this.fetch(consumer, fetches, ready);
        if (this.leaderMoved) {
          this.leaderMoved = false;
          await this.idle(200);
        }
      }
      if (failure !== undefined) throw failure;
      // Stopping: what was read is written and committed before the group is left.
      for (const [partition, state] of this.partitions) if (state.next !== undefined && state.batch.count > 0) this.cut(partition, state);
      await Promise.all([...this.partitions.values()].map((s) => s.chain));
    } finally {
      await new Promise<void>((resolve) => { fetches.close(() => resolve()); });
      if (this.consumer === consumer) await this.closeConsumer();
    }
  }

  /** One fetch per partition leader, each partition from its next offset. */
  private async fetch(consumer: RawFetchConsumer, pool: ConnectionPool, partitions: number[]): Promise<void> {
    const metadata = await consumer.metadata({ topics: [this.topic] });
    const topic = metadata.topics.get(this.topic);
    // Retriable: a topic just made may not be in every broker's metadata yet.
    if (!topic) throw new KchError(ErrorCodes.KAFKA_REQUEST, `topic ${this.topic} is not in the cluster's metadata`, { retriable: true });
    const byLeader = new Map<number, { partition: number; state: PartitionState; epoch: number; from: number }[]>();
    for (const partition of partitions) {
      const state = this.partitions.get(partition)!;
      const leader = topic.partitions[partition]?.leader ?? -1;
      if (leader < 0) {
        // No leader elected yet (its broker just died): ask again shortly.
        consumer.clearMetadata();
        this.leaderMoved = true;
        continue;
      }
      const list = byLeader.get(leader) ?? [];
      list.push({ partition, state, epoch: state.epoch, from: state.next! });
      byLeader.set(leader, list);
    }
    await Promise.all([...byLeader].map(async ([leader, asked]) => {
      let response;
      try {
        response = await consumer.fetchRaw({
          node: leader, connectionPool: pool, maxWaitTime: 100, minBytes: 1, maxBytes: FETCH_MAX_BYTES,
          topics: [{ topicId: topic.id, partitions: asked.map((a) => ({ partition: a.partition, fetchOffset: BigInt(a.from), partitionMaxBytes: PARTITION_MAX_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 })) }],
        });
        this.failingSince = undefined;
      } catch (error) {
        // One broker of a cluster gone: its partitions get other leaders within seconds, so ask
        // who leads now before giving up on this membership (which rejoins the group).
        this.failingSince ??= performance.now();
        if (performance.now() - this.failingSince > 10_000) {
          this.failingSince = undefined;
          throw error;
        }
        consumer.clearMetadata();
        this.leaderMoved = true;
        return;
      }
      const got = new Map<number, RawFetchPartition>();
      for (const t of response.topics) for (const p of t.partitions) got.set(p.partition, p);
      for (const { partition, state, epoch, from } of asked) {
        const fetched = got.get(partition);
        // Reassigned while the fetch was out: the new start is read afresh.
        if (!fetched || state.epoch !== epoch || state.next !== from) continue;
        this.take(consumer, partition, state, fetched);
      }
    }));
  }

  /** Takes a partition's fetched records into its batches. */
  private take(consumer: RawFetchConsumer, partition: number, state: PartitionState, fetched: RawFetchPartition): void {
    const { log, stream } = this.options;
    if (fetched.errorCode === OFFSET_OUT_OF_RANGE) {
      // The log no longer holds the start (retention deleted it): as the Kafka engine does, go on
      // from the earliest offset it holds.
      log.warn(`${stream.name}: offset ${state.next} of partition ${partition} is no longer in Kafka (deleted by retention?); going on from the earliest offset there`);
      this.assign(consumer, partition, 'earliest');
      return;
    }
    if (LEADER_ERRORS.has(fetched.errorCode)) {
      // Leadership moved (a broker stopped): the next fetch asks the cluster again.
      consumer.clearMetadata();
      this.leaderMoved = true;
      return;
    }
    if (fetched.errorCode !== 0) throw new KchError(ErrorCodes.KAFKA_REQUEST, `fetching partition ${partition} of ${this.topic}: ${errorName(fetched.errorCode)}`, { retriable: true, details: { errorCode: fetched.errorCode } });
    if (!fetched.records) return;
    const next = readRecords(fetched.records, state.next!, (buffer, start, end, offset, timestamp, keyStart, keyEnd) => {
      // The recorded range ends before this message (an offset there held no message, e.g. a
      // transaction marker): the batch is that range, and this message starts the next one.
      if (state.mustEndAt !== undefined && offset > state.mustEndAt) this.cut(partition, state);
      if (state.batch.count === 0) this.reform(partition, state, offset);
      state.batch.append(buffer, start, end, offset, timestamp, keyStart, keyEnd);
      if (state.mustEndAt !== undefined ? offset >= state.mustEndAt : state.batch.count >= this.maxRows) this.cut(partition, state);
    }, fetched.abortedTransactions);
    state.next = next;
    // The range ended on offsets that held no message: it is complete.
    if (state.mustEndAt !== undefined && next > state.mustEndAt) this.cut(partition, state);
  }

  /** A batch starting where a recorded one started may be in ClickHouse: it ends where that one ended. */
  private reform(partition: number, state: PartitionState, offset: number): void {
    const end = state.known.get(offset);
    if (end === undefined) return;
    state.mustEndAt = end;
    this.counters.reformed += 1;
    this.options.log.info(`${this.options.stream.name}: partition ${partition} at offset ${offset}: the batch ${offset}–${end} was recorded before and may be in ClickHouse; formed again to the same range, so ClickHouse drops what it has of it`);
  }

  /** What was read of the partition and not cut is dropped; batches in flight finish or give up. */
  private drop(state: PartitionState): void {
    state.epoch += 1;
    state.next = undefined;
    state.batch = new RowBinaryBatch(state.batch.topic, state.batch.partition, undefined, this.withKey);
    delete state.mustEndAt;
  }

  /**
   * (Re)starts a partition: once the writes in flight are done (their commits move the committed
   * offset), from the committed offset (or the earliest, when there is none or it is gone), with
   * the ranges recorded from there on.
   */
  private assign(consumer: RawFetchConsumer, partition: number, from: 'committed' | 'earliest'): void {
    let state = this.partitions.get(partition);
    if (!state) {
      state = { epoch: 0, next: undefined, batch: new RowBinaryBatch(this.topic, partition, undefined, this.withKey), known: new Map(), chain: Promise.resolve(), inFlight: 0 };
      this.partitions.set(partition, state);
    }
    this.drop(state);
    const epoch = state.epoch;
    const current = (): boolean => state.epoch === epoch && this.consumer === consumer;
    state.chain = state.chain.then(() => this.retry(`reading where partition ${partition} starts`, async () => {
      if (!current()) return;
      const start = await this.startOffset(consumer, partition, from);
      const known = await this.ranges.from(partition, BigInt(start));
      if (!current()) return;
      state.known = new Map([...known].map(([first, last]) => [Number(first), Number(last)]));
      state.next = start;
      this.wake();
    }, current));
  }

  private async startOffset(consumer: RawFetchConsumer, partition: number, from: 'committed' | 'earliest'): Promise<number> {
    if (from === 'committed') {
      const committed = await consumer.listCommittedOffsets({ topics: [{ topic: this.topic, partitions: [partition] }] });
      const offset = committed.get(this.topic)?.[partition] ?? -1n;
      if (offset >= 0n) return Number(offset);
    }
    // No offset committed yet: from the start of the log, as the Kafka engine's group begins.
    const earliest = await consumer.listOffsets({ topics: [this.topic], partitions: { [this.topic]: [partition] }, timestamp: -2n });
    return Number(earliest.get(this.topic)?.[partition] ?? 0n);
  }

  private flushDue(): void {
    const now = performance.now();
    for (const [partition, state] of this.partitions) {
      if (state.next !== undefined && state.mustEndAt === undefined && state.batch.count > 0 && now - state.batch.since >= this.flushMs) this.cut(partition, state);
    }
  }

  private cut(partition: number, state: PartitionState): void {
    const batch = state.batch;
    if (batch.count === 0) return;
    state.batch = new RowBinaryBatch(this.topic, partition, Math.max(1 << 20, Math.ceil(batch.byteLength * 1.125)), this.withKey);
    // The range recorded before is formed again now; later batches end where they like.
    delete state.mustEndAt;
    const body = batch.bytes();
    const range = { first: batch.first, last: batch.last };
    const token = `${this.topic}:${partition}:${range.first}-${range.last}`;
    const consumer = this.consumer;
    state.inFlight += 1;
    const inserted = this.insert(partition, range, token, body, batch.count);
    // Committed once it and every batch before it are in: the group's offset never passes a gap.
    state.chain = Promise.all([state.chain, inserted])
      .then(([, written]) => (written && consumer ? this.commit(consumer, partition, token, range.last + 1n) : undefined))
      .finally(() => {
        state.inFlight -= 1;
        this.wake();
      });
  }

  /** Steps 1 and 2; false when the partition went to another member first (nothing written). */
  private async insert(partition: number, range: Range, token: string, body: Buffer, count: number): Promise<boolean> {
    // A member that lost the partition must not record a range its new owner may already have
    // read past: it waits out a rebalance, and leaves the batch to the owner (not committed, so read again).
    await poll(() => (this.rebalancing && !this.stopping ? undefined : true), { timeoutMs: 60_000, pauseMs: 50 });
    if (this.owned && !this.owned.has(partition)) {
      this.options.log.info(`${this.options.stream.name}: partition ${partition} went to another member; ${token} is left to it`);
      return false;
    }
    await this.retry(`recording range ${token}`, () => this.ranges.record(partition, range));
    await this.retry(`inserting ${token}`, () => insertBytes(this.options.clickhouse, this.insertSql, body, {
      action: `inserting ${count} messages of ${this.options.stream.name} (${token})`,
      settings: { insert_deduplicate: 1, insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 },
    }));
    this.counters.inserted += count;
    this.counters.batches += 1;
    return true;
  }

  /** Step 3. */
  private async commit(consumer: RawFetchConsumer, partition: number, token: string, offset: bigint): Promise<void> {
    try {
      await consumer.commit({ offsets: [{ topic: this.topic, partition, offset, leaderEpoch: -1 }] });
    } catch (error) {
      // Most often the partition went to another member meanwhile: it starts from the offset
      // committed before and forms this batch again from the recorded range.
      this.options.log.warn(`${this.options.stream.name}: committing ${token} failed (${(error as Error).message}); whoever reads partition ${partition} next forms that batch again and ClickHouse drops the copy`);
    }
  }

  /** Retries while ClickHouse (or Kafka) is away: until the work is done, or no longer `wanted`. */
  private async retry<T>(what: string, work: () => Promise<T>, wanted: () => boolean = () => true): Promise<T | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (!wanted()) return undefined;
        if (attempt === 1 || attempt % 10 === 0) this.options.log.warn(`${this.options.stream.name}: ${what} failed (${(error as Error).message.split('\n')[0]}); retrying`);
        await delay(backoffMs(attempt, 5_000));
      }
    }
  }
}
