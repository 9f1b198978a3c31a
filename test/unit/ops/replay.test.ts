import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReplayFrom } from '../../../src/ops/replay.js';

test('--from reads an offset for every partition, offsets per partition, or an ISO time', () => {
  assert.deepEqual(parseReplayFrom('1200'), { kind: 'offset', offsets: 1200n });
  assert.deepEqual(parseReplayFrom('0:1200,1:900'), { kind: 'offset', offsets: new Map([[0, 1200n], [1, 900n]]) });
  assert.deepEqual(parseReplayFrom('2026-03-08T09:00:00Z'), { kind: 'time', at: new Date(Date.UTC(2026, 2, 8, 9)) });
  assert.deepEqual(parseReplayFrom(' 2026-03-08T09:00:00.500+03:00 '), { kind: 'time', at: new Date(Date.UTC(2026, 2, 8, 6, 0, 0, 500)) });
});

test('a --from that is neither is a usage error naming the forms', () => {
  for (const bad of ['yesterday', '-5', '0:1,x:2', '2026-13-45T99:00:00Z', '']) {
    assert.throws(() => parseReplayFrom(bad), { code: 'KCH_USAGE', message: /ISO time .* offset/ }, bad);
  }
});
