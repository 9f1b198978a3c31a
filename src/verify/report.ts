/**
 * The verdict of a verify run, computed from the ledger and ClickHouse's final counts (pure, so
 * that unit tests can feed it any outcome), and its two renderings: a table for people and JSON
 * for scripts.
 */
import { eventIdOf } from './tag.js';
import { percentile, type Ledger } from './ledger.js';

export interface StreamOutcome {
  readonly stream: string;
  readonly target: string;
  readonly sent: number;
  readonly acknowledged: number;
  /** Events of this stream present in its target table (distinct). */
  readonly present: number;
  readonly duplicated: number;
}

export interface VerifyReport {
  readonly run: string;
  readonly requested: number;
  readonly sent: number;
  readonly acknowledged: number;
  /** Sends the producer gave up on: their events may or may not be in Kafka. */
  readonly unacknowledged: number;
  /** Distinct events of the run in the target tables. */
  readonly present: number;
  /** Acknowledged events found in no target and no dead-letter table. */
  readonly lost: number;
  /** A few of the lost ids, to look for by hand. */
  readonly lostSample: readonly string[];
  /** Distinct events with more than one row in the targets (at-least-once redelivery). */
  readonly duplicated: number;
  /** Rows beyond the first for those events. */
  readonly extraRows: number;
  /** Distinct events of the run in the dead-letter tables. */
  readonly deadLetters: number;
  /** Events made bad on purpose, acknowledged. */
  readonly badSent: number;
  /** Good events found only in a dead-letter table (a check rejected a valid event). */
  readonly goodRejected: number;
  /** Bad events found in a target table (the checks let them through). */
  readonly badAccepted: number;
  /** Events counted through the `<target>_dedup` views (each once), when they exist. */
  readonly dedupCount: number | undefined;
  /** Milliseconds from handing an event to the producer to its row in ClickHouse. */
  readonly freshness: { readonly samples: number; readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  readonly sendSeconds: number;
  readonly sendRate: number;
  /** From the last acknowledgement to the last arrival, or to the deadline. */
  readonly drainSeconds: number;
  /** Stopped waiting at the deadline with events still missing. */
  readonly timedOut: boolean;
  readonly interrupted: boolean;
  readonly streams: readonly StreamOutcome[];
}

export interface ReportInput {
  readonly run: string;
  readonly requested: number;
  readonly ledger: Ledger;
  readonly streams: readonly { readonly name: string; readonly target: string }[];
  /** Rows per sequence number in each stream's target, in `streams` order. */
  readonly targetCounts: readonly ReadonlyMap<number, number>[];
  readonly deadLetterCounts: ReadonlyMap<number, number>;
  readonly dedupCount: number | undefined;
  readonly startedAt: number;
  readonly sendEndedAt: number;
  readonly endedAt: number;
  readonly timedOut: boolean;
  readonly interrupted: boolean;
}

export function buildReport(input: ReportInput): VerifyReport {
  const { ledger } = input;
  const perStream = input.streams.map((s) => ({ stream: s.name, target: s.target, sent: 0, acknowledged: 0, present: 0, duplicated: 0 }));
  let present = 0;
  let lost = 0;
  let duplicated = 0;
  let extraRows = 0;
  let deadLetters = 0;
  let badSent = 0;
  let goodRejected = 0;
  let badAccepted = 0;
  const lostSample: string[] = [];
  const freshness: number[] = [];

  for (let seq = 0; seq < ledger.count; seq++) {
    if (Number.isNaN(ledger.createdAt[seq]!)) continue;
    const streamIndex = ledger.stream[seq]!;
    const outcome = perStream[streamIndex];
    const rows = input.targetCounts.reduce((sum, counts) => sum + (counts.get(seq) ?? 0), 0);
    const lettered = (input.deadLetterCounts.get(seq) ?? 0) > 0;
    const acked = ledger.isAcked(seq);
    const bad = ledger.bad[seq] === 1;
    if (outcome) {
      outcome.sent += 1;
      if (acked) outcome.acknowledged += 1;
    }
    if (rows > 0) {
      present += 1;
      if (outcome) outcome.present += 1;
      if (rows > 1) {
        duplicated += 1;
        extraRows += rows - 1;
        if (outcome) outcome.duplicated += 1;
      }
      if (bad) badAccepted += 1;
      const arrived = ledger.arrivedAt[seq]!;
      if (!bad && !Number.isNaN(arrived)) freshness.push(Math.max(0, arrived - ledger.createdAt[seq]!));
    }
    if (lettered) {
      deadLetters += 1;
      if (!bad && rows === 0) goodRejected += 1;
    }
    if (acked && bad) badSent += 1;
    if (acked && rows === 0 && !lettered) {
      lost += 1;
      if (lostSample.length < 10) lostSample.push(eventIdOf(input.run, seq));
    }
  }

  freshness.sort((a, b) => a - b);
  const sendSeconds = Math.max(0.001, (input.sendEndedAt - input.startedAt) / 1000);
  const lastArrival = ledger.lastArrivalAt;
  const drainEnd = input.timedOut || Number.isNaN(lastArrival) ? input.endedAt : Math.max(lastArrival, input.sendEndedAt);
  return {
    run: input.run,
    requested: input.requested,
    sent: ledger.sent,
    acknowledged: ledger.acknowledged,
    unacknowledged: ledger.failed,
    present,
    lost,
    lostSample,
    duplicated,
    extraRows,
    deadLetters,
    badSent,
    goodRejected,
    badAccepted,
    dedupCount: input.dedupCount,
    freshness: {
      samples: freshness.length,
      p50: percentile(freshness, 50),
      p95: percentile(freshness, 95),
      p99: percentile(freshness, 99),
      max: freshness.length ? freshness[freshness.length - 1]! : Number.NaN,
    },
    sendSeconds,
    sendRate: ledger.sent / sendSeconds,
    drainSeconds: Math.max(0, (drainEnd - (Number.isNaN(ledger.lastAckAt) ? input.sendEndedAt : ledger.lastAckAt)) / 1000),
    timedOut: input.timedOut,
    interrupted: input.interrupted,
    streams: perStream,
  };
}

/** Non-zero exit when an acknowledged event is missing (or the run was cut short). */
export function exitCodeOf(report: VerifyReport): number {
  if (report.interrupted) return 130;
  return report.lost > 0 ? 1 : 0;
}

const seconds = (ms: number): string => (Number.isNaN(ms) ? '—' : `${(ms / 1000).toFixed(2)} s`);
const n = (value: number): string => value.toLocaleString('en-US');

export function renderReport(report: VerifyReport): string {
  const rows: [string, string][] = [
    ['sent', `${n(report.sent)} of ${n(report.requested)} (${report.streams.map((s) => `${s.stream} ${n(s.sent)}`).join(', ')})`],
    ['acknowledged by Kafka', `${n(report.acknowledged)}${report.unacknowledged ? ` (${n(report.unacknowledged)} given up by the producer: not counted as lost)` : ''}`],
    ['present in ClickHouse', `${n(report.present)} (${report.streams.map((s) => `${s.target} ${n(s.present)}`).join(', ')})`],
    ['lost', `${n(report.lost)}${report.lostSample.length ? ` e.g. ${report.lostSample.slice(0, 3).join(', ')}` : ''}`],
    ['duplicated', `${n(report.duplicated)} event(s), ${n(report.extraRows)} extra row(s)${report.dedupCount !== undefined ? `; ${n(report.dedupCount)} through the _dedup views` : ''}`],
    ['in dead letters', `${n(report.deadLetters)}${report.badSent ? ` (${n(report.badSent)} made bad on purpose)` : ''}`],
  ];
  if (report.goodRejected) rows.push(['good events rejected', `${n(report.goodRejected)} valid event(s) only in a dead-letter table`]);
  if (report.badAccepted) rows.push(['bad events accepted', `${n(report.badAccepted)} invalid event(s) in a target table`]);
  const f = report.freshness;
  rows.push(['freshness', f.samples ? `p50 ${seconds(f.p50)}, p95 ${seconds(f.p95)}, p99 ${seconds(f.p99)}, max ${seconds(f.max)} (${n(f.samples)} events)` : 'no arrivals']);
  rows.push(['rates', `sent ${n(Math.round(report.sendRate))} events/s over ${report.sendSeconds.toFixed(1)} s; ${report.timedOut ? `gave up waiting ${report.drainSeconds.toFixed(1)} s after the last acknowledgement` : `all in ${report.drainSeconds.toFixed(1)} s after the last acknowledgement`}`]);
  const verdict = report.interrupted
    ? 'interrupted: the counts above are partial'
    : report.lost > 0
      ? `LOSS: ${n(report.lost)} acknowledged event(s) missing${report.timedOut ? ' at the deadline' : ''}`
      : report.duplicated > 0
        ? 'no loss; duplicates present (at-least-once delivery; the _dedup views count each event once)'
        : 'no loss, no duplicates';
  return [
    `kch verify: run ${report.run}`,
    ...rows.map(([label, value]) => `  ${label.padEnd(23)} ${value}`),
    `verdict: ${verdict}`,
    '',
  ].join('\n');
}
