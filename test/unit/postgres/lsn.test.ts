import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLsn, parseLsn } from '../../../src/postgres/lsn.js';

test('an LSN\'s text is the 64-bit position Debezium writes as source.lsn, and back', () => {
  assert.equal(parseLsn('0/1570D90'), 22482320n);
  assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) | 0xB374D848n);
  assert.equal(formatLsn(22482320n), '0/1570D90');
  assert.equal(formatLsn(parseLsn('FFFFFFFF/FFFFFFFF')), 'FFFFFFFF/FFFFFFFF');
  assert.throws(() => parseLsn('16-B374'), /not a PostgreSQL LSN/);
});
