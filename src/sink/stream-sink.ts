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
import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import { setTimeout as delay } from 'node:timers/promises';
import { insertBytes } from '../clickhouse/query.js';
import type { Logger } from '../log.js';
import { clientBase, toKchError } from '../kafka/admin.js';
import { parseBrokers } from '../kafka/brokers.js';
import { backoffMs } from '../kafka/producer.js';
import { groupOf, sinkInputColumns, sinkRangesOf, topicOf, type PipelineTarget } from '../pipeline/plan.js';
import type { ServerFeatures } from '../pipeline/features.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import { RowBinaryBatch } from './rows.js';
import { SinkRanges, type Range } from './ranges.js';

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

type Buffered = Message<Buffer, Buffer, Buffer, Buffer>;

interface PartitionState {
  /** The offset the next message should have; another one means the partition was (re)assigned. */
  expected: bigint | undefined;
  batch: RowBinaryBatch;
  /** The batch's last message: committing it commits the offset after the batch. */
  lastMessage?: Buffered;
  /** False until the ranges recorded from this run's first offset on are known. */
  ready: boolean;
  /** Those ranges, first offset → last: a batch starting at one of them ends where it ended. */
  known: Map<bigint, bigint>;
  /** Messages read meanwhile, taken in order once it is known. */
  waiting: Buffered[];
  mustEndAt?: bigint;
  /** Settles when every batch cut so far is inserted and committed (commits go in order). */
  chain: Promise<void>;
  inFlight: number;
}

export class StreamSink {
  readonly counters: SinkCounters = { inserted: 0, batches: 0, reformed: 0 };
  private readonly topic: string;
  private readonly group: string;
  private readonly ranges: SinkRanges;
  private readonly partitions = new Map<number, PartitionState>();
  private readonly maxRows: number;
  private readonly flushMs: number;
  private readonly insertSql: string;
  private stopping = false;
  /** The partitions the group gave this member at its last join; undefined before the first. */
  private owned: Set<number> | undefined;
  /** Between a rebalance's start and the next join: no range is recorded meanwhile. */
  private rebalancing = false;
  private consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  private messages: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;

  constructor(private readonly options: StreamSinkOptions) {
    const { stream, target } = options;
    this.topic = topicOf(stream, target);
    this.group = groupOf(stream, target);
    this.ranges = new SinkRanges(options.clickhouse, `${target.database}.${sinkRangesOf(stream)}`, this.group);
    this.maxRows = options.maxRows ?? 50_000;
    this.flushMs = options.flushMs ?? target.flushIntervalMs ?? 500;
    this.insertSql = `INSERT INTO ${target.database}.${stream.kafkaTable} (${sinkInputColumns(options.features).map((c) => c.name).join(', ')}) FORMAT RowBinary`;
  }

  /** Consumes until stop(); a lost connection to Kafka is retried with back-off. */
  async run(): Promise<void> {
    const { log } = this.options;
    const ticker = setInterval(() => this.flushDue(), Math.max(20, Math.floor(this.flushMs / 4)));
    try {
      for (let attempt = 1; !this.stopping; attempt += 1) {
        try {
          await this.consumeOnce();
          attempt = 0;
          // The stream ended without an error: leave the group before joining it again.
          if (!this.stopping) await this.closeConsumer();
        } catch (error) {
          if (this.stopping) break;
          const wait = backoffMs(attempt, 5_000);
          log.warn(`${this.options.stream.name}: ${toKchError(error, parseBrokers(this.options.bootstrap), 'consume').message}; again in ${(wait / 1000).toFixed(1)} s`);
          await this.closeConsumer();
          await delay(wait);
        }
      }
    } finally {
      clearInterval(ticker);
    }
  }

  /** Stops consuming, writes what was read, commits it, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    const messages = this.messages;
    if (messages) await new Promise<void>((resolve) => { messages.close(() => resolve()); });
    for (const [partition, state] of this.partitions) if (state.ready && state.batch.count > 0) this.cut(partition, state);
    await Promise.all([...this.partitions.values()].map((s) => s.chain));
    await this.closeConsumer();
  }

  private async closeConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.messages = undefined;
    // Buffered messages were not inserted, so not committed: whoever reads next gets them again.
    for (const state of this.partitions.values()) state.expected = undefined;
    if (consumer) await new Promise<void>((resolve) => { consumer.close(true, () => resolve()); });
  }

  private async consumeOnce(): Promise<void> {
    const addresses = parseBrokers(this.options.bootstrap);
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({ clientId: `kch-sink-${this.options.stream.name}`, groupId: this.group, ...clientBase(addresses), sessionTimeout: 10_000, heartbeatInterval: 1_000, rebalanceTimeout: 20_000 });
    this.consumer = consumer;
    consumer.on('consumer:group:rebalance', () => { this.rebalancing = true; });
    consumer.on('consumer:group:join', (payload: { assignments?: { topic: string; partitions: number[] }[] }) => {
      this.owned = new Set(payload.assignments?.find((a) => a.topic === this.topic)?.partitions ?? []);
      this.rebalancing = false;
      // A partition gone to another member: what was read of it and not written is its to read.
      for (const [partition, state] of this.partitions) if (!this.owned.has(partition)) state.expected = undefined;
    });
    const messages = await consumer.consume({ topics: [this.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false, maxWaitTime: 100, maxBytes: 8 * 1024 * 1024, maxBytesPerPartition: 4 * 1024 * 1024 });
    this.messages = messages;
    // 'data' events rather than an async iterator: a promise per message cost a tenth of the CPU.
    await new Promise<void>((resolve, reject) => {
      messages.on('data', (message: Buffered) => {
        const wait = this.take(message);
        if (wait) {
          messages.pause();
          wait.then(() => messages.resume(), reject);
        }
      });
      messages.once('error', reject);
      messages.once('end', resolve);
      messages.once('close', resolve);
    });
  }

  /** Takes a message; returns a promise when reading should wait for writes first. */
  private take(message: Buffered): Promise<void> | undefined {
    const partition = message.partition;
    let state = this.partitions.get(partition);
    if (!state) {
      state = { expected: undefined, batch: new RowBinaryBatch(this.topic, partition), ready: false, known: new Map(), waiting: [], chain: Promise.resolve(), inFlight: 0 };
      this.partitions.set(partition, state);
    }
    if (state.expected !== message.offset) this.restart(partition, state, message.offset);
    state.expected = message.offset + 1n;
    if (state.ready) this.accept(partition, state, message);
    else state.waiting.push(message);
    // Three batches of a partition in flight are enough: reading waits, Kafka keeps the rest.
    return state.inFlight >= 3 || state.waiting.length >= this.maxRows ? state.chain : undefined;
  }

  /** Adds a message to the partition's batch, cutting it where it must or may end. */
  private accept(partition: number, state: PartitionState, message: Buffered): void {
    // The recorded range ends before this message (an offset there held no message, e.g. a
    // transaction marker): the batch is that range, and this message starts the next one.
    if (state.mustEndAt !== undefined && message.offset > state.mustEndAt) this.cut(partition, state);
    if (state.batch.count === 0) {
      const end = state.known.get(message.offset);
      if (end !== undefined) {
        state.mustEndAt = end;
        this.counters.reformed += 1;
        this.options.log.info(`${this.options.stream.name}: partition ${partition} at offset ${message.offset}: the batch ${message.offset}–${end} was recorded before and may be in ClickHouse; formed again to the same range, so ClickHouse drops what it has of it`);
      }
    }
    state.batch.append(message.value, message.offset, message.timestamp);
    state.lastMessage = message;
    if (state.mustEndAt !== undefined ? message.offset >= state.mustEndAt : state.batch.count >= this.maxRows) this.cut(partition, state);
  }

  /**
   * The partition is read from another offset than the last message's next: (re)assigned. What
   * was buffered was not written, and is read again from the committed offset; the batches are
   * formed once the writes in flight are done and the ranges recorded from `from` on are loaded.
   */
  private restart(partition: number, state: PartitionState, from: bigint): void {
    const fresh = new RowBinaryBatch(this.topic, partition);
    state.batch = fresh;
    delete state.lastMessage;
    state.ready = false;
    state.waiting = [];
    delete state.mustEndAt;
    const lookup = state.chain.then(() => this.retry(`reading the ranges of partition ${partition}`, () => this.ranges.from(partition, from)));
    state.chain = lookup.then((known) => {
      if (state.batch !== fresh) return;
      state.known = known;
      state.ready = true;
      const waiting = state.waiting;
      state.waiting = [];
      for (const message of waiting) this.accept(partition, state, message);
    });
  }

  private flushDue(): void {
    const now = performance.now();
    for (const [partition, state] of this.partitions) {
      if (state.ready && state.mustEndAt === undefined && state.batch.count > 0 && now - state.batch.since >= this.flushMs) this.cut(partition, state);
    }
  }

  private cut(partition: number, state: PartitionState): void {
    const batch = state.batch;
    const last = state.lastMessage;
    if (batch.count === 0 || !last) return;
    state.batch = new RowBinaryBatch(this.topic, partition);
    delete state.lastMessage;
    // The range recorded before is formed again now; later batches end where they like.
    delete state.mustEndAt;
    const body = batch.bytes();
    const range = { first: batch.first, last: batch.last };
    const token = `${this.topic}:${partition}:${range.first}-${range.last}`;
    state.inFlight += 1;
    const inserted = this.insert(partition, range, token, body, batch.count);
    // Committed once it and every batch before it are in: the group's offset never passes a gap.
    state.chain = Promise.all([state.chain, inserted])
      .then(([, written]) => (written ? this.commit(partition, token, last) : undefined))
      .finally(() => { state.inFlight -= 1; });
  }

  /** Steps 1 and 2; false when the partition went to another member first (nothing written). */
  private async insert(partition: number, range: Range, token: string, body: Buffer, count: number): Promise<boolean> {
    // A member that lost the partition must not record a range its new owner may already have
    // read past: it waits out a rebalance, and leaves the batch to the owner (not committed, so read again).
    for (let waited = 0; this.rebalancing && !this.stopping && waited < 60_000; waited += 50) await delay(50);
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
  private async commit(partition: number, token: string, last: Buffered): Promise<void> {
    try {
      await last.commit();
    } catch (error) {
      // Most often the partition went to another member meanwhile: it starts from the offset
      // committed before and forms this batch again from the recorded range.
      this.options.log.warn(`${this.options.stream.name}: committing ${token} failed (${(error as Error).message}); whoever reads partition ${partition} next forms that batch again and ClickHouse drops the copy`);
    }
  }

  /** Retries while ClickHouse is away: a batch is written, or the sink is killed. */
  private async retry<T>(what: string, work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (attempt === 1 || attempt % 10 === 0) this.options.log.warn(`${this.options.stream.name}: ${what} failed (${(error as Error).message.split('\n')[0]}); retrying`);
        await delay(backoffMs(attempt, 5_000));
      }
    }
  }
}
