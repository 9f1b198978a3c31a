import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, Reader, readRecordsBatch } from '@platformatic/kafka';
import { compressRecords, frameBatch, RecordSetBuilder, type RecordCompression } from '../../../src/kafka/records.js';

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
