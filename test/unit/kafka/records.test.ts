import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, createRecordsBatch, Reader, readRecordsBatch } from '@platformatic/kafka';
import { compressRecords, frameBatch, readRecords, RecordSetBuilder, type AbortedTransaction, type RecordCompression } from '../../../src/kafka/records.js';

// Values whose lengths need 1, 2 and 3 varint bytes, and an empty one.
const values = [Buffer.from('{"a":1}'), Buffer.alloc(200, 0x61), Buffer.alloc(20_000, 0x62), Buffer.alloc(0), Buffer.from('{"name":"Москва"}')];

for (const compression of ['none', 'lz4', 'snappy', 'gzip'] as RecordCompression[]) {
  test(`a record set framed as a batch (${compression}) reads back with the client library's own reader, CRC included`, () => {
    const builder = new RecordSetBuilder('sales', 16); // tiny, so it has to grow
    for (let i = 0; i < 300; i++) builder.append(values[i % values.length]!);
    const set = builder.take()!;
    assert.equal(set.count, 300);
    assert.equal(set.valueBytes, values.reduce((sum, v) => sum + v.length, 0) * 60);
    assert.equal(builder.take(), undefined, 'take() starts afresh');

    const batch = frameBatch(compressRecords(set.records, compression), set.count, compression,
      { producerId: 77n, producerEpoch: 3, firstSequence: 1234, timestamp: 1_700_000_000_123n });
    const read = readRecordsBatch(Reader.from(batch));
    assert.equal(read.length, batch.length - 12);
    assert.equal(read.magic, 2);
    assert.equal(read.producerId, 77n);
    assert.equal(read.producerEpoch, 3);
    assert.equal(read.firstSequence, 1234);
    assert.equal(read.lastOffsetDelta, 299);
    assert.equal(read.firstTimestamp, 1_700_000_000_123n);
    assert.equal(read.attributes & 0b111, { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }[compression]);
    assert.equal(read.records.length, 300);
    read.records.forEach((record, i) => {
      assert.equal(record.offsetDelta, i);
      assert.equal(record.timestampDelta, 0n);
      assert.ok(record.key === null || record.key.length === 0, 'no key');
      assert.deepEqual(record.value, values[i % values.length]);
      assert.equal(record.headers.length, 0);
    });
    // The CRC-32C covers everything from the attributes on: the broker refuses a batch whose CRC is off.
    assert.equal(batch.readUInt32BE(17), crc32c(batch.subarray(21)) >>> 0);
  });
}

interface Seen { value: string; offset: number; timestamp: number }

function read(data: Buffer, from: number, aborted?: AbortedTransaction[]): { seen: Seen[]; next: number } {
  const seen: Seen[] = [];
  const next = readRecords(data, from, (buffer, start, end, offset, timestamp) => { seen.push({ value: buffer.toString('utf8', start, end), offset, timestamp }); }, aborted);
  return { seen, next };
}

/** A batch as the client library's producer writes it, placed at `base`, with `attributes` added. */
function libraryBatch(base: number, messages: { key?: string; value: string | null; timestamp: bigint; headers?: [string, string][] }[], options: { compression?: RecordCompression; producerId?: bigint; transactional?: boolean; attributes?: number } = {}): Buffer {
  const batch = Buffer.from(createRecordsBatch(messages.map((m) => ({
    topic: 't', partition: 0, timestamp: m.timestamp,
    key: m.key === undefined ? undefined : Buffer.from(m.key),
    value: m.value === null ? undefined : Buffer.from(m.value),
    headers: new Map((m.headers ?? []).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
  })) as never, { compression: options.compression ?? 'none', producerId: options.producerId ?? -1n, ...(options.transactional ? { transactionalId: 'tx' } : {}) }).buffer);
  batch.writeBigInt64BE(BigInt(base), 0);
  if (options.attributes) batch.writeInt16BE(batch.readInt16BE(21) | options.attributes, 21);
  return batch;
}

// zstd is left out: Node 20 has no zstd, and the codec is the library's either way.
for (const compression of ['none', 'lz4', 'snappy', 'gzip'] as RecordCompression[]) {
  test(`readRecords gives every record's value, offset and timestamp, keys and headers skipped (${compression})`, () => {
    const base = 2 ** 40 + 5; // past 2³²: offsets are read in full
    const messages = Array.from({ length: 40 }, (_, i) => ({
      key: i % 3 === 0 ? undefined : `key-${i}`,
      value: i === 7 ? null : `{"i":${i},"s":"${'x'.repeat(i * 7)}"}`,
      timestamp: 1_700_000_000_000n + BigInt(i * 1_500),
      headers: i % 2 === 0 ? [['h', `v${i}`]] as [string, string][] : [],
    }));
    const first = libraryBatch(base, messages.slice(0, 25), { compression });
    const second = libraryBatch(base + 25, messages.slice(25), { compression });
    // The broker cuts the last batch at the size limit: a partial one is left for the next fetch.
    const data = Buffer.concat([first, second, libraryBatch(base + 40, messages.slice(0, 3), { compression }).subarray(0, 30)]);

    const all = read(data, base);
    assert.equal(all.next, base + 40);
    assert.deepEqual(all.seen, messages.map((m, i) => ({ value: m.value ?? '', offset: base + i, timestamp: Number(m.timestamp) })));

    // A fetch from the middle of a batch gets the whole batch: the records before `from` are not given.
    const middle = read(data, base + 10);
    assert.equal(middle.next, base + 40);
    assert.deepEqual(middle.seen.map((s) => s.offset), messages.slice(10).map((_, i) => base + 10 + i));
  });
}

test('readRecords reads the batches our producer frames, and an empty fetch leaves the offset where it was', () => {
  const builder = new RecordSetBuilder('sales');
  for (const value of values) builder.append(value);
  const set = builder.take()!;
  const batch = frameBatch(compressRecords(set.records, 'lz4'), set.count, 'lz4', { producerId: 1n, producerEpoch: 0, firstSequence: 0, timestamp: 1_700_000_000_999n });
  batch.writeBigInt64BE(300n, 0);
  const { seen, next } = read(batch, 0);
  assert.equal(next, 300 + values.length);
  assert.deepEqual(seen, values.map((v, i) => ({ value: v.toString('utf8'), offset: 300 + i, timestamp: 1_700_000_000_999 })));
  assert.deepEqual(read(Buffer.alloc(0), 42), { seen: [], next: 42 });
  assert.deepEqual(read(batch.subarray(0, batch.length - 1), 300), { seen: [], next: 300 });
});

test('readRecords stamps every record with the batch time when the topic uses LogAppendTime', () => {
  const batch = libraryBatch(0, [{ value: 'a', timestamp: 1_000n }, { value: 'b', timestamp: 5_000n }], { attributes: 0x08 });
  assert.deepEqual(read(batch, 0).seen.map((s) => s.timestamp), [5_000, 5_000]);
});

test('readRecords skips control batches and the batches of aborted transactions (read_committed)', () => {
  /** A transaction marker: key = version 0, type (0 abort, 1 commit). */
  const marker = (base: number, producerId: bigint, type: number): Buffer => {
    const batch = Buffer.from(createRecordsBatch([{ topic: 't', partition: 0, timestamp: 9n, key: Buffer.from([0, 0, 0, type]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }] as never, { producerId, transactionalId: 'tx' }).buffer);
    batch.writeBigInt64BE(BigInt(base), 0);
    batch.writeInt16BE(batch.readInt16BE(21) | 0x20, 21);
    return batch;
  };
  const record = (value: string) => ({ value, timestamp: 1n });
  const data = Buffer.concat([
    libraryBatch(10, [record('aborted-1'), record('aborted-2')], { producerId: 5n, transactional: true }),
    libraryBatch(12, [record('plain')]),
    marker(13, 5n, 0),
    libraryBatch(14, [record('committed-1'), record('committed-2')], { producerId: 6n, transactional: true }),
    marker(16, 6n, 1),
    // Producer 5 again, after its abort marker: a new transaction, committed.
    libraryBatch(17, [record('later')], { producerId: 5n, transactional: true }),
    marker(18, 5n, 1),
  ]);
  const { seen, next } = read(data, 10, [{ producerId: 5n, firstOffset: 10n }]);
  assert.deepEqual(seen.map((s) => `${s.offset}:${s.value}`), ['12:plain', '14:committed-1', '15:committed-2', '17:later']);
  assert.equal(next, 19);
  // Without the aborted list (read_uncommitted), only the markers are skipped.
  assert.equal(read(data, 10).seen.length, 6);
});
