/**
 * The client library's idempotent producer (connections, metadata, producer id, retries) sending
 * record sets we encode ourselves: its Produce API is swapped for one whose request frames our
 * ready-made records, so the library handles one message per topic and batch instead of one per
 * event.
 */
import {
  Producer, Writer, createAPI, kGetApi, produceV7, produceV8, produceV9, produceV10, produceV11,
  type API, type Callback, type ProducerOptions,
} from '@platformatic/kafka';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { OwnApi } from './own-api.js';
import { compressRecords, frameBatch, type RecordCompression, type RecordSet } from './records.js';

/** What the library carries as a message's value: one record set, with what its sends learnt. */
export interface PendingSet {
  readonly set: RecordSet;
  /** The payload as sent, compressed once for every attempt. */
  payload?: { readonly compression: RecordCompression; readonly bytes: Buffer };
  /** The sequence numbers given to the set: kept across retries, so the broker drops a copy it already has. */
  sequence?: { readonly producerId: bigint; readonly key: string; readonly first: number };
}

interface ProduceOptions {
  readonly compression?: RecordCompression;
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly transactionalId?: string | null;
}

interface NormalizedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly value: PendingSet;
}

/** Sequence numbers wrap at 2³¹, as the protocol says. */
const SEQUENCE_LIMIT = 2_147_483_648;

const responseParsers = {
  7: produceV7.parseResponse, 8: produceV8.parseResponse, 9: produceV9.parseResponse,
  10: produceV10.parseResponse, 11: produceV11.parseResponse,
} as const;

export class RecordSetProducer extends Producer<Buffer, PendingSet, Buffer, Buffer> {
  /** Next sequence number per producer id, topic and partition. */
  readonly #sequences = new Map<string, number>();
  readonly #produceApi = new OwnApi('Produce', (version) => {
    const parseResponse = (responseParsers as Record<number, (typeof responseParsers)[7]>)[version];
    if (!parseResponse) return new KchError(ErrorCodes.KAFKA_UNSUPPORTED, `the client library chose Produce v${version}, which kch does not frame (v7–v11)`);
    const flexible = version >= 9;
    return createAPI(0, version, (acks: number, timeout: number, messages: NormalizedMessage[], options: ProduceOptions) =>
      this.#request(flexible, acks, timeout, messages, options), parseResponse, flexible, flexible);
  });

  constructor(options: ProducerOptions<Buffer, PendingSet, Buffer, Buffer>) {
    super(options);
  }

  /** Gives the sequence numbers of a set that was not sent back, so the next set takes them. */
  release(pending: PendingSet): void {
    const { sequence } = pending;
    if (!sequence) return;
    if (this.#sequences.get(sequence.key) === (sequence.first + pending.set.count) % SEQUENCE_LIMIT) this.#sequences.set(sequence.key, sequence.first);
    delete pending.sequence;
  }

  override [kGetApi]<RequestArguments extends unknown[], ResponseType>(name: string, callback: Callback<API<RequestArguments, ResponseType>>): void {
    this.#produceApi.get((n, c: Callback<API<RequestArguments, ResponseType>>) => { super[kGetApi](n, c); }, name, callback);
  }

  #request(flexible: boolean, acks: number, timeout: number, messages: NormalizedMessage[], options: ProduceOptions): Writer {
    const byTopic = new Map<string, NormalizedMessage[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic);
      if (list) {
        // A produce request holds one batch per partition: sends are made of one set per topic.
        // A bug of ours, not the user's: a plain Error, so the CLI shows its stack.
        if (list.some((m) => m.partition === message.partition)) throw new Error(`two record sets for ${message.topic}[${message.partition}] in one request`);
        list.push(message);
      } else {
        byTopic.set(message.topic, [message]);
      }
    }
    const timestamp = BigInt(Date.now());
    const compression = options.compression ?? 'none';
    const writer = Writer.create()
      .appendString(options.transactionalId ?? null, flexible)
      .appendInt16(acks)
      .appendInt32(timeout)
      .appendArray([...byTopic], (topicWriter, [topic, sets]) => {
        topicWriter.appendString(topic, flexible).appendArray(sets, (partitionWriter, message) => {
          const batch = this.#frame(message, compression, timestamp, options);
          partitionWriter.appendInt32(message.partition);
          if (flexible) partitionWriter.appendUnsignedVarInt(batch.length + 1);
          else partitionWriter.appendInt32(batch.length);
          partitionWriter.append(batch);
        }, flexible, flexible);
      }, flexible, flexible);
    if (flexible) writer.appendTaggedFields();
    if (acks === 0) writer.context.noResponse = true;
    return writer;
  }

  #frame(message: NormalizedMessage, compression: RecordCompression, timestamp: bigint, options: ProduceOptions): Buffer {
    const pending = message.value;
    const { set } = pending;
    if (pending.payload?.compression !== compression) pending.payload = { compression, bytes: compressRecords(set.records, compression) };
    const producerId = options.producerId ?? -1n;
    let firstSequence = -1;
    if (producerId >= 0n) {
      if (pending.sequence?.producerId !== producerId) {
        const key = `${producerId}:${message.topic}:${message.partition}`;
        const first = this.#sequences.get(key) ?? 0;
        this.#sequences.set(key, (first + set.count) % SEQUENCE_LIMIT);
        pending.sequence = { producerId, key, first };
      }
      firstSequence = pending.sequence.first;
    }
    return frameBatch(pending.payload.bytes, set.count, compression, {
      producerId, producerEpoch: producerId >= 0n ? (options.producerEpoch ?? 0) : -1, firstSequence, timestamp,
      transactional: Boolean(options.transactionalId),
    });
  }
}
