/**
 * Kafka records written straight into one buffer per batch (record format v2). The client library
 * builds each record as its own growable buffer with a BigInt timestamp, which was half of the
 * generator's CPU; here a record is a few varints and one copy of its value.
 */
import { compressionsAlgorithms, crc32c } from '@platformatic/kafka';

/** Records for one topic, ready to be framed as a batch (the producer picks the partition). */
export interface RecordSet {
  readonly topic: string;
  /** The records, uncompressed: each as `length attributes timestampDelta offsetDelta key value headers`. */
  readonly records: Buffer;
  readonly count: number;
  /** Total bytes of the values (what a user calls the size of the messages). */
  readonly valueBytes: number;
}

const INITIAL_CAPACITY = 64 * 1024;
/** The widest record header: length (5) attributes (1) timestampDelta (1) offsetDelta (5) key (1) value length (5). */
const HEADER_MAX = 18;

/** Appends records for one topic to a growing buffer; `take()` hands them over and starts afresh. */
export class RecordSetBuilder {
  private buffer: Buffer;
  private position = 0;
  private records = 0;
  private valueBytes = 0;

  constructor(readonly topic: string, capacity = INITIAL_CAPACITY) {
    this.buffer = Buffer.allocUnsafeSlow(capacity);
  }

  get count(): number {
    return this.records;
  }

  /** Appends one record (no key, no headers) whose value is `value[0, length)`. */
  append(value: Uint8Array, length: number = value.length): void {
    this.reserve(length + HEADER_MAX + 1);
    const offsetDelta = this.records;
    // Everything after the length field: attributes, timestampDelta 0 (the batch's timestamp is
    // the record's), offsetDelta, key length -1, value length, value, 0 headers.
    const bodyLength = 2 + zigzagSize(offsetDelta) + 1 + zigzagSize(length) + length + 1;
    let at = writeZigzag(this.buffer, this.position, bodyLength);
    const buffer = this.buffer;
    buffer[at++] = 0; // attributes
    buffer[at++] = 0; // timestampDelta
    at = writeZigzag(buffer, at, offsetDelta);
    buffer[at++] = 1; // key length -1, zigzag
    at = writeZigzag(buffer, at, length);
    buffer.set(length === value.length ? value : value.subarray(0, length), at);
    at += length;
    buffer[at++] = 0; // headers
    this.position = at;
    this.records += 1;
    this.valueBytes += length;
  }

  /** The records appended since the last take, or undefined when there are none. */
  take(): RecordSet | undefined {
    if (this.records === 0) return undefined;
    const set: RecordSet = { topic: this.topic, records: this.buffer.subarray(0, this.position), count: this.records, valueBytes: this.valueBytes };
    // The set keeps the buffer; the next records go to a new one of the size this one reached.
    this.buffer = Buffer.allocUnsafeSlow(this.buffer.length);
    this.position = 0;
    this.records = 0;
    this.valueBytes = 0;
    return set;
  }

  private reserve(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.position + bytes));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }
}

export interface BatchHeader {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly firstSequence: number;
  readonly timestamp: bigint;
  readonly transactional?: boolean;
}

/** The attributes' compression codes (bits 0–2). */
const CODECS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type RecordCompression = keyof typeof CODECS;

/** Size of the batch header from `attributes` to the record count (what the CRC covers besides the records). */
const AFTER_CRC = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
/** baseOffset (8) batchLength (4) partitionLeaderEpoch (4) magic (1) crc (4). */
const BEFORE_ATTRIBUTES = 8 + 4 + 4 + 1 + 4;

/** The records' payload as sent: compressed once, so a retry does not compress again. */
export function compressRecords(records: Buffer, compression: RecordCompression): Buffer {
  if (compression === 'none') return records;
  const algorithm = compressionsAlgorithms[compression];
  return algorithm.compressSync(records);
}

/**
 * A record batch (magic 2) around `payload` (records compressed with `compression`, or raw):
 * baseOffset 0, every record stamped with `timestamp`, the idempotent producer's id, epoch and
 * first sequence, CRC-32C from the attributes on.
 */
export function frameBatch(payload: Buffer, count: number, compression: RecordCompression, header: BatchHeader): Buffer {
  const batch = Buffer.allocUnsafe(BEFORE_ATTRIBUTES + AFTER_CRC + payload.length);
  batch.writeBigInt64BE(0n, 0); // baseOffset
  batch.writeInt32BE(batch.length - 12, 8); // batchLength: from partitionLeaderEpoch to the end
  batch.writeInt32BE(-1, 12); // partitionLeaderEpoch: set by the broker
  batch.writeInt8(2, 16); // magic
  let at = BEFORE_ATTRIBUTES;
  at = batch.writeInt16BE(CODECS[compression] | (header.transactional ? 0x10 : 0), at);
  at = batch.writeInt32BE(count - 1, at); // lastOffsetDelta
  at = batch.writeBigInt64BE(header.timestamp, at); // firstTimestamp
  at = batch.writeBigInt64BE(header.timestamp, at); // maxTimestamp
  at = batch.writeBigInt64BE(header.producerId, at);
  at = batch.writeInt16BE(header.producerEpoch, at);
  at = batch.writeInt32BE(header.firstSequence, at);
  at = batch.writeInt32BE(count, at);
  payload.copy(batch, at);
  batch.writeUInt32BE(crc32c(batch.subarray(BEFORE_ATTRIBUTES)) >>> 0, 17);
  return batch;
}

function zigzagSize(value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    size += 1;
  }
  return size;
}

/** Writes `value` as a zigzag varint at `at`; returns the position after it. */
function writeZigzag(buffer: Buffer, at: number, value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  while (v >= 0x80) {
    buffer[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buffer[at++] = v;
  return at;
}
