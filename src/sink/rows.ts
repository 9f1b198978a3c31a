/**
 * A batch of one partition's messages as RowBinary rows of the stream's input table
 * (pipeline/plan.ts `sinkInputColumns`): the message's bytes as they are, and where it came from.
 * Nothing is parsed here: decoding and checks happen once, in ClickHouse's views, for both
 * transports.
 */
export class RowBinaryBatch {
  private buffer: Buffer;
  private length = 0;
  /** Messages in the batch. */
  count = 0;
  /** Offsets of the first and last message (numbers: offsets stay below 2⁵³). */
  firstOffset = -1;
  lastOffset = -1;
  /** When the first message came (performance.now()), for the flush interval. */
  since = 0;
  private readonly tail: Buffer;

  /**
   * `capacity`: the bytes to start with; the size of the partition's last batch saves growing (a
   * copy each time). `withKey`: each row ends with the message's key (`_key`), for the streams
   * that read it (pipeline/plan.ts `sinkInputColumns`).
   */
  constructor(readonly topic: string, readonly partition: number, capacity = 1 << 20, readonly withKey = false) {
    this.buffer = Buffer.allocUnsafe(capacity);
    const name = Buffer.from(topic);
    // _topic and _partition are the same for every row: encoded once.
    this.tail = Buffer.alloc(varintLength(name.length) + name.length + 8);
    let at = writeVarint(this.tail, 0, name.length);
    at += name.copy(this.tail, at);
    this.tail.writeBigUInt64LE(BigInt(partition), at);
  }

  get first(): bigint {
    return BigInt(this.firstOffset);
  }

  get last(): bigint {
    return BigInt(this.lastOffset);
  }

  /**
   * Adds the message whose value is `source[start, end)`; `timestampMs` below 0 means Kafka gave
   * none (a NULL _timestamp).
   */
  append(source: Buffer, start: number, end: number, offset: number, timestampMs: number, keyStart = 0, keyEnd = 0): void {
    const length = end - start;
    this.reserve(5 + length + this.tail.length + 8 + 5 + (this.withKey ? 5 + keyEnd - keyStart : 0));
    const buffer = this.buffer;
    let at = writeVarint(buffer, this.length, length);
    at += source.copy(buffer, at, start, end);
    at += this.tail.copy(buffer, at);
    buffer.writeUInt32LE(offset % 4_294_967_296, at);
    buffer.writeUInt32LE(Math.floor(offset / 4_294_967_296), at + 4);
    at += 8;
    if (timestampMs < 0) {
      buffer[at++] = 1;
    } else {
      buffer[at++] = 0;
      buffer.writeUInt32LE(Math.floor(timestampMs / 1000) % 4_294_967_296, at);
      at += 4;
    }
    if (this.withKey) {
      at = writeVarint(buffer, at, keyEnd - keyStart);
      at += source.copy(buffer, at, keyStart, keyEnd);
    }
    this.length = at;
    if (this.count === 0) {
      this.firstOffset = offset;
      this.since = performance.now();
    }
    this.lastOffset = offset;
    this.count += 1;
  }

  /** Bytes of the rows so far. */
  get byteLength(): number {
    return this.length;
  }

  /** The rows so far; the batch is done with once they are taken. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(more: number): void {
    if (this.length + more <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + more));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) { value = Math.floor(value / 128); n += 1; }
  return n;
}

/** Unsigned LEB128, RowBinary's length prefix. */
function writeVarint(buffer: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    buffer[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[at++] = value;
  return at;
}
