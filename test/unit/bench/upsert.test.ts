import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderUpsert, type UpsertBenchResult } from '../../../src/bench/upsert.js';

const phase = { changes: 1_000_000, deletes: 0, upsert: [3000, 2000, 2500], rows: [1000, 1200, 800], bare: [50, 60, 40], debeziumBytes: 590_000_000, rowBytes: 172_000_000 };
const query = (name: string, answers: UpsertBenchResult['reads'][number]['queries'][number]['answers']): UpsertBenchResult['reads'][number]['queries'][number] => ({
  name, final: [900, 1100, 1000], plain: [10, 20, 12], mergedFinal: [30, 40, 35], mergedPlain: [12, 11, 13], answers,
});

const result: UpsertBenchResult = {
  version: '26.7.2.1',
  machine: {
    date: '2026-12-08T01:23:32.000Z', cores: 2, cpuModel: 'Test CPU', memoryGiB: 23.5, kernel: '6.1', node: 'v20.20.2', java: '17', kafka: '—',
    clickhouse: '26.7.2.1 (chdb)', kcat: '1.7.1', clients: { chdb: '3.4.0' }, loadavgAtStart: '1.00 1.00 1.00',
  },
  commit: 'abc1234',
  options: { snapshot: 1_000_000, updates: 1_000_000, rounds: 3, readKeys: [1_000_000], readRounds: 3, maxMemoryBytes: 2 * 2 ** 30, readThreads: 2 },
  loadavg: { before: '1.00 1.00 1.00', after: '2.00 1.50 1.00' },
  seconds: 300,
  decode: {
    generateMs: 30_000,
    snapshot: phase,
    updates: { ...phase, deletes: 99_000 },
    merge: { upsert: [4000, 5000, 4500], rows: [3000, 3500, 3200] },
    live: { expected: [900_000, '450000000'], read: [[900_000, '450000000']] },
    written: [1_990_000, 1_990_000, 1_990_000],
    appended: 6_000_000,
    deadLetters: 0,
  },
  reads: [{
    keys: 1_000_000, rows: 2_800_000, parts: 12, deletes: 180_000, buildMs: 20_000, optimizeMs: 13_500, rowsAfterMerge: 1_000_000, partsAfterMerge: 1,
    queries: [
      query('count', { final: '913120', plain: '2592095', mergedFinal: '913120', mergedPlain: '913120' }),
      query('range', { final: '9168\t4590238', plain: '27678\t12979939', mergedFinal: '9168\t4590238', mergedPlain: '9168\t4590238' }),
    ],
  }],
};

test('the upsert block gives each case its median, range, rate and what the envelope adds a change', () => {
  const text = renderUpsert(result, 'bench-results/x-upsert.json');
  assert.match(text, /at commit abc1234/);
  assert.match(text, /`bench-results\/x-upsert\.json`/);
  // Medians 2500 and 1000 ms for 1 M: 400,000/s and 2.50 µs against 1,000,000/s and 1.00 µs; +1.50 µs, 150 %.
  assert.match(text, /\| Snapshot: 1,000,000 rows, op `r` \| 2500 ms \(2000–3000\) \| 400,000\/s, 2\.50 µs \| 1000 ms \(800–1200\) \| 1,000,000\/s, 1\.00 µs \| \+1\.50 µs \(150 %\) \| 50 ms \(40–60\) \|/);
  assert.match(text, /99,000 deletes, 9\.9 %/);
});

test('the read table sets FINAL beside the plain read, with what each returned', () => {
  const text = renderUpsert(result, 'bench-results/x-upsert.json');
  assert.match(text, /\| 1,000,000 \(2,800,000 rows in 12 parts, 180,000 deletes; built in 20 s, merged in 13\.5 s to 1,000,000 rows in 1 part\) \| `count\(\)` \| 1000 ms \(900–1100\) \| 12 ms \(10–20\) \| 83\.3× \|/);
  assert.match(text, /\| 913,120 — 2,592,095 — 913,120 \|/);
  assert.match(text, /9,168 · 4,590,238 — 27,678 · 12,979,939 — 9,168 · 4,590,238 \|/);
});
