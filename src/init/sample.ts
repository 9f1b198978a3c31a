/**
 * A sample of a topic for `kch init`: up to N messages from the earliest offset of each partition,
 * read with partition-level fetches from each partition's leader. No consumer group is joined and
 * no offset is committed, so sampling a topic that a pipeline consumes changes nothing for it.
 */
import { randomBytes } from 'node:crypto';
import { Consumer } from '@platformatic/kafka';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { parseBrokers } from '../kafka/brokers.js';
import { clientBase } from '../kafka/admin.js';
import { fromKafkaError } from '../kafka/errors.js';

export interface SampledMessage {
  readonly partition: number;
  readonly offset: bigint;
  /** The message key's bytes; null when it has none. Names the row of a keyed topic's change (src/init/changes.ts). */
  readonly key: Buffer | null;
  /** The value's bytes; null for a tombstone. */
  readonly value: Buffer | null;
}

export interface Sample {
  readonly topic: string;
  readonly partitions: number;
  /** Messages in the topic between the earliest and end offsets when sampling began. */
  readonly available: bigint;
  readonly messages: readonly SampledMessage[];
}

export interface SampleOptions {
  readonly bootstrap: string;
  readonly topic: string;
  readonly size: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Called after each fetch with the messages read so far. */
  readonly progress?: (read: number) => void;
}

/** Fetches of one partition at a time, up to this many bytes each. */
const FETCH_BYTES = 4 * 1024 * 1024;

export async function sampleTopic(options: SampleOptions): Promise<Sample> {
  const addresses = parseBrokers(options.bootstrap);
  // A group id is required to build the client; it is never joined (consume() is never called).
  const consumer = new Consumer({ clientId: 'kch-init', groupId: `kch-init-${randomBytes(4).toString('hex')}`, ...clientBase(addresses) });
  const deadline = Date.now() + options.timeoutMs;
  try {
    const metadata = await consumer.metadata({ topics: [options.topic] }).catch((error: unknown) => {
      if (/UNKNOWN_TOPIC|does not exist|unknown topic/i.test(String((error as Error).message) + JSON.stringify((error as { errors?: unknown }).errors ?? ''))) {
        throw new KchError(ErrorCodes.USAGE, `topic ${options.topic} does not exist at ${options.bootstrap}`);
      }
      throw fromKafkaError(error, addresses, `reading the metadata of topic ${options.topic}`);
    });
    const topic = metadata.topics.get(options.topic);
    if (!topic) throw new KchError(ErrorCodes.USAGE, `topic ${options.topic} does not exist at ${options.bootstrap}`);
    const partitions = topic.partitions.map((p, index) => ({ index, leader: p.leader, leaderEpoch: p.leaderEpoch }));
    const earliest = await consumer.listOffsets({ topics: [options.topic], timestamp: -2n });
    const latest = await consumer.listOffsets({ topics: [options.topic], timestamp: -1n });
    const from = earliest.get(options.topic) ?? [];
    const to = latest.get(options.topic) ?? [];
    let available = 0n;
    for (const p of partitions) available += (to[p.index] ?? 0n) - (from[p.index] ?? 0n);

    const messages: SampledMessage[] = [];
    // The sample takes from every partition in turn, so that one busy partition does not fill it.
    const next = partitions.map((p) => from[p.index] ?? 0n);
    let open = partitions.filter((p) => next[p.index]! < (to[p.index] ?? 0n));
    while (open.length > 0 && messages.length < options.size) {
      if (options.signal?.aborted) throw new KchError(ErrorCodes.USAGE, 'stopped');
      if (Date.now() > deadline) {
        throw new KchError(ErrorCodes.TIMEOUT, `read ${messages.length} of the ${Math.min(options.size, Number(available))} messages wanted from ${options.topic} in ${Math.round(options.timeoutMs / 1000)} s; try a smaller --sample or a longer --timeout`);
      }
      for (const p of open) {
        const response = await consumer.fetch({
          node: p.leader,
          maxWaitTime: 500,
          minBytes: 1,
          maxBytes: FETCH_BYTES,
          topics: [{ topicId: topic.id, partitions: [{ partition: p.index, currentLeaderEpoch: p.leaderEpoch, fetchOffset: next[p.index]!, lastFetchedEpoch: -1, partitionMaxBytes: FETCH_BYTES }] }],
        }).catch((error: unknown) => { throw fromKafkaError(error, addresses, `fetching from ${options.topic} partition ${p.index}`); });
        const end = to[p.index] ?? 0n;
        for (const batch of response.responses[0]?.partitions[0]?.records ?? []) {
          for (const record of batch.records) {
            const offset = batch.firstOffset + BigInt(record.offsetDelta);
            if (offset < next[p.index]! || offset >= end) continue;
            if (messages.length < options.size) messages.push({ partition: p.index, offset, key: record.key, value: record.value });
            next[p.index] = offset + 1n;
          }
          // A batch of control records only (transactions) still moves the offset on.
          next[p.index] = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n > next[p.index]! ? batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n : next[p.index]!;
        }
        if (messages.length >= options.size) break;
      }
      options.progress?.(messages.length);
      open = open.filter((p) => next[p.index]! < (to[p.index] ?? 0n));
    }
    return { topic: options.topic, partitions: partitions.length, available, messages };
  } finally {
    await consumer.close().catch(() => undefined);
  }
}
