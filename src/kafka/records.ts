/**
 * Kafka records written straight into one buffer per batch (record format v2). The client library
 * builds each record as its own growable buffer with a BigInt timestamp, which was half of the
 * generator's CPU; here a record is a few varints and one copy of its value.
 */
import { compressionsAlgorithms, crc32c } from '@platformatic/kafka';
import { ErrorCodes, KchError } from '../errors/kch-error.js';

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

/**
 * Where a fetched record's value lies, for `readRecords`: `buffer[start, end)` (empty for a null
 * value). Offsets and timestamps are plain numbers: both stay below 2⁵³, and a BigInt per record
 * was most of what the client library's reader cost.
 */
/** A record's value is `buffer[start, end)` (empty for none), its key `buffer[keyStart, keyEnd)` (empty for none). */
export type RecordVisitor = (buffer: Buffer, start: number, end: number, offset: number, timestampMs: number, keyStart: number, keyEnd: number) => void;

/** A fetch response's aborted transactions for one partition (read_committed). */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** The batch header fields `readRecords` needs, by their position from the batch's start. */
const AT = { length: 8, magic: 16, attributes: 21, lastOffsetDelta: 23, firstTimestamp: 27, maxTimestamp: 35, producerId: 43, count: 57, records: 61 } as const;
const COMPRESSION_MASK = 0x07;
const LOG_APPEND_TIME = 0x08;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const CODEC_NAMES = Object.fromEntries(Object.entries(CODECS).map(([name, code]) => [code, name])) as Record<number, RecordCompression>;

/**
 * Walks the record batches of a fetched partition (format v2), calling `visit` for each record at
 * `from` or after, in offset order. Control batches are skipped, and so are the batches of
 * transactions the response lists as aborted (read_committed, as the Kafka engine reads). Returns
 * the offset after the last whole batch (where the next fetch starts), or `from` when the data
 * holds no whole batch (the broker cuts the last one at the size limit).
 */
export function readRecords(data: Buffer, from: number, visit: RecordVisitor, aborted: readonly AbortedTransaction[] = []): number {
  let next = from;
  let at = 0;
  // Producers whose transaction is open and aborted at the current batch (the Java consumer's rule).
  const pending = aborted.length > 0 ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : aborted;
  let nextAborted = 0;
  const abortedProducers = new Set<bigint>();
  while (at + AT.records <= data.length) {
    const end = at + 12 + data.readInt32BE(at + AT.length);
    if (end > data.length) break;
    const magic = data[at + AT.magic];
    if (magic !== 2) throw new KchError(ErrorCodes.KAFKA_UNSUPPORTED, `a record batch in message format v${magic}: only v2 (Kafka 0.11 and later) is read`);
    const base = data.readUInt32BE(at) * 4_294_967_296 + data.readUInt32BE(at + 4);
    const attributes = data.readInt16BE(at + AT.attributes);
    const last = base + data.readInt32BE(at + AT.lastOffsetDelta);
    const batchStart = at;
    at = end;
    if (last < from) continue;
    next = last + 1;
    while (nextAborted < pending.length && pending[nextAborted]!.firstOffset <= BigInt(last)) abortedProducers.add(pending[nextAborted++]!.producerId);
    if (attributes & TRANSACTIONAL && abortedProducers.size > 0) {
      const producerId = data.readBigInt64BE(batchStart + AT.producerId);
      if (abortedProducers.has(producerId)) {
        // The abort marker ends the transaction: the producer's later batches are its next one's.
        if (attributes & CONTROL && controlType(data, batchStart, end, attributes) === ABORT_MARKER) abortedProducers.delete(producerId);
        continue;
      }
    }
    if (attributes & CONTROL) continue;
    const count = data.readInt32BE(batchStart + AT.count);
    const records = recordsOf(data, batchStart, end, attributes);
    const appendTime = attributes & LOG_APPEND_TIME ? readInt64Number(data, batchStart + AT.maxTimestamp) : -1;
    const firstTimestamp = readInt64Number(data, batchStart + AT.firstTimestamp);
    let r = records === data ? batchStart + AT.records : 0;
    for (let i = 0; i < count; i += 1) {
      cursor = r;
      const length = readZigzag(records);
      const recordEnd = cursor + length;
      cursor += 1; // attributes
      const timestampDelta = readZigzag(records);
      const offset = base + readZigzag(records);
      const keyLength = readZigzag(records);
      const keyStart = cursor;
      if (keyLength > 0) cursor += keyLength;
      const keyEnd = cursor;
      const valueLength = readZigzag(records);
      const valueStart = cursor;
      r = recordEnd;
      if (offset < from) continue;
      const timestamp = appendTime >= 0 ? appendTime : firstTimestamp < 0 ? -1 : firstTimestamp + timestampDelta;
      visit(records, valueStart, valueLength > 0 ? valueStart + valueLength : valueStart, offset, timestamp, keyStart, keyEnd);
    }
  }
  return next;
}

const ABORT_MARKER = 0;

/** A control batch's marker type (0 abort, 1 commit): its one record's key is `version:int16 type:int16`. */
function controlType(data: Buffer, start: number, end: number, attributes: number): number {
  const records = recordsOf(data, start, end, attributes);
  cursor = records === data ? start + AT.records : 0;
  readZigzag(records); // length
  cursor += 1; // attributes
  readZigzag(records); // timestampDelta
  readZigzag(records); // offsetDelta
  const keyLength = readZigzag(records);
  return keyLength >= 4 ? records.readInt16BE(cursor + 2) : -1;
}

/** The batch's records: a view of `data`, or its payload decompressed. */
function recordsOf(data: Buffer, start: number, end: number, attributes: number): Buffer {
  const code = attributes & COMPRESSION_MASK;
  if (code === 0) return data;
  const name = CODEC_NAMES[code];
  if (!name) throw new KchError(ErrorCodes.KAFKA_UNSUPPORTED, `a record batch compressed with unknown codec ${code}`);
  return compressionsAlgorithms[name].decompressSync(data.subarray(start + AT.records, end));
}

function readInt64Number(buffer: Buffer, at: number): number {
  return buffer.readInt32BE(at) * 4_294_967_296 + buffer.readUInt32BE(at + 4);
}

/** Read position of `readZigzag`: one shared cursor instead of a result object per varint. */
let cursor = 0;

/** A zigzag varint (or varlong below 2⁵³) at `cursor`, which moves past it. */
function readZigzag(buffer: Buffer): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = buffer[cursor++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
    scale *= 128;
  }
  // Zigzag: even → value / 2, odd → -(value + 1) / 2.
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}
