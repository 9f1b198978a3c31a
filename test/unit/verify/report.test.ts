import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ledger } from '../../../src/verify/ledger.js';
import { buildReport, exitCodeOf, renderReport, type ReportInput } from '../../../src/verify/report.js';

const streams = [{ name: 'sales', target: 'sales' }, { name: 'warehouse', target: 'stock_movements' }];

/** Ten events, 0–9; even ones are sales. Sent at t=0 and acknowledged at t=100 ms. */
function input(overrides: Partial<ReportInput> & { bad?: number[] } = {}): ReportInput {
  const ledger = new Ledger(10);
  for (let seq = 0; seq < 10; seq++) ledger.made(seq, seq % 2, overrides.bad?.includes(seq) ?? false, 0);
  ledger.acked(0, 10, 100);
  for (let seq = 0; seq < 10; seq++) ledger.arrival(seq, 1000 + seq * 100);
  const all = (from: number, to: number, parity: number): Map<number, number> =>
    new Map(Array.from({ length: to - from }, (_, i) => from + i).filter((s) => s % 2 === parity).map((s) => [s, 1]));
  return {
    run: '0000abcd', requested: 10, ledger, streams,
    targetCounts: [all(0, 10, 0), all(0, 10, 1)],
    deadLetterCounts: new Map(), dedupCount: undefined,
    startedAt: 0, sendEndedAt: 100, endedAt: 2000, timedOut: false, interrupted: false,
    ...overrides,
  };
}

test('every event once: no loss, no duplicates, exit 0', () => {
  const report = buildReport(input());
  assert.equal(report.sent, 10);
  assert.equal(report.acknowledged, 10);
  assert.equal(report.present, 10);
  assert.equal(report.lost, 0);
  assert.equal(report.duplicated, 0);
  assert.deepEqual(report.streams.map((s) => [s.stream, s.sent, s.present]), [['sales', 5, 5], ['warehouse', 5, 5]]);
  assert.equal(report.freshness.samples, 10);
  assert.equal(report.freshness.p50, 1400);
  assert.equal(report.freshness.max, 1900);
  assert.equal(exitCodeOf(report), 0);
  assert.match(renderReport(report), /verdict: no loss, no duplicates/);
});

test('a missing acknowledged event is lost, named, and fails the run', () => {
  const base = input();
  const sales = new Map(base.targetCounts[0]);
  sales.delete(4);
  const report = buildReport({ ...base, targetCounts: [sales, base.targetCounts[1]!], timedOut: true });
  assert.equal(report.lost, 1);
  assert.deepEqual(report.lostSample, ['0000abcd-6b63-8000-8000-000000000004']);
  assert.equal(exitCodeOf(report), 1);
  assert.match(renderReport(report), /LOSS: 1 acknowledged event\(s\) missing at the deadline/);
});

test('duplicates are counted as events and as extra rows, and do not fail the run', () => {
  const base = input();
  const sales = new Map(base.targetCounts[0]);
  sales.set(2, 3);
  const report = buildReport({ ...base, targetCounts: [sales, base.targetCounts[1]!], dedupCount: 10 });
  assert.equal(report.duplicated, 1);
  assert.equal(report.extraRows, 2);
  assert.equal(report.present, 10);
  assert.equal(exitCodeOf(report), 0);
  assert.match(renderReport(report), /10 through the _dedup views/);
});

test('bad events in the dead-letter tables are accounted for, not lost', () => {
  const base = input({ bad: [3, 6] });
  const sales = new Map(base.targetCounts[0]);
  sales.delete(6);
  const warehouse = new Map(base.targetCounts[1]);
  warehouse.delete(3);
  const report = buildReport({ ...base, targetCounts: [sales, warehouse], deadLetterCounts: new Map([[3, 1], [6, 1]]) });
  assert.equal(report.lost, 0);
  assert.equal(report.deadLetters, 2);
  assert.equal(report.badSent, 2);
  assert.equal(report.goodRejected, 0);
  assert.equal(report.badAccepted, 0);
  assert.equal(report.present, 8);
});

test('a valid event only in a dead-letter table is reported as rejected, not lost', () => {
  const base = input();
  const sales = new Map(base.targetCounts[0]);
  sales.delete(0);
  const report = buildReport({ ...base, targetCounts: [sales, base.targetCounts[1]!], deadLetterCounts: new Map([[0, 1]]) });
  assert.equal(report.lost, 0);
  assert.equal(report.goodRejected, 1);
  assert.match(renderReport(report), /good events rejected/);
});

test('events the producer gave up on are reported apart, never as lost', () => {
  const ledger = new Ledger(4);
  for (let seq = 0; seq < 4; seq++) ledger.made(seq, 0, false, 0);
  ledger.acked(0, 2, 10);
  ledger.unacknowledged(2, 4);
  const report = buildReport({ ...input(), ledger, targetCounts: [new Map([[0, 1], [1, 1]]), new Map()] });
  assert.equal(report.acknowledged, 2);
  assert.equal(report.unacknowledged, 2);
  assert.equal(report.lost, 0);
});

test('an interrupted run exits 130 whatever it found', () => {
  assert.equal(exitCodeOf(buildReport({ ...input(), interrupted: true })), 130);
});
