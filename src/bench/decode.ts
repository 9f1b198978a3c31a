/**
 * Measurement: what the decoding views cost (src/pipeline/plan.ts, number-sql.ts), in embedded
 * ClickHouse without Kafka or HTTP: per block, the server analysing the views' SQL again for
 * every insert; per message, the decoding and the checks. Each beside the same insert into a
 * Null table without views (src/bench/clients/decode-views.ts). Its figures go to their own
 * results file and their own block of BENCHMARKS.md.
 */
import { fileURLToPath } from 'node:url';
import { writeOwnBlock } from './block.js';
import { runJsonChild } from './child.js';
import type { Corpus } from './corpus.js';
import { median } from './stats.js';

const childScript = fileURLToPath(new URL('./clients/decode-views.js', import.meta.url));

interface Pair { readonly views: readonly number[]; readonly bare: readonly number[] }

export interface DecodeBenchResult {
  readonly node: string;
  readonly events: number;
  readonly loadavg: { readonly before: string; readonly after: string };
  /** One-message inserts, one per stream per round, in ms. */
  readonly single: Pair;
  /** The whole corpus per round, in ms. */
  readonly corpus: Pair;
  readonly stored: number;
  readonly deadLetters: number;
}

export async function measureDecode(corpus: Corpus, quick: boolean, log: (line: string) => void, loadavg: () => string): Promise<DecodeBenchResult> {
  const before = loadavg();
  log(`decoding views: ${corpus.events.toLocaleString('en')} seed events, embedded ClickHouse, one thread`);
  const measured = await runJsonChild<Omit<DecodeBenchResult, 'node' | 'events' | 'loadavg'>>(childScript, { files: corpus.files.map((f) => ({ topic: f.topic, path: f.path })), singles: quick ? 11 : 31, rounds: quick ? 3 : 5 }, 'the decoding benchmark');
  if (measured.stored + measured.deadLetters !== corpus.events * (quick ? 3 : 5) + (quick ? 11 : 31) * corpus.files.length) {
    throw new Error(`the decoding benchmark stored ${measured.stored} rows and ${measured.deadLetters} dead letters: not every event it inserted`);
  }
  if (measured.deadLetters !== 0) throw new Error(`the decoding benchmark made ${measured.deadLetters} dead letters of valid seed events`);
  const result: DecodeBenchResult = { node: process.version, events: corpus.events, loadavg: { before, after: loadavg() }, ...measured };
  const m = (xs: readonly number[]): number => median(xs) ?? 0;
  log(`decoding views: one-message insert ${m(result.single.views).toFixed(1)} ms (${m(result.single.bare).toFixed(1)} without views), corpus ${m(result.corpus.views).toFixed(0)} ms (${m(result.corpus.bare).toFixed(0)} without views)`);
  return result;
}

export function renderDecode(r: DecodeBenchResult, jsonPath: string): string {
  const m = (xs: readonly number[]): number => median(xs) ?? 0;
  const spread = (xs: readonly number[], digits: number): string => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
  const perMessageUs = (ms: number): string => `${(ms * 1000 / r.events).toFixed(2)} µs`;
  const added = m(r.corpus.views) - m(r.corpus.bare);
  return [
    `From \`${jsonPath}\` (Node ${r.node}, load average ${r.loadavg.before} before, ${r.loadavg.after} after). The seed's two streams' views in embedded ClickHouse (chdb), no Kafka and no HTTP (src/bench/decode.ts); each case beside the same insert into a Null table without views, interleaved. The server analyses the views' SQL again for every block it inserts: the first row is that cost, paid once per block whatever its size; the second is the decoding, per message.`,
    '',
    '| Case | With the views, median (range) | Without views | The views add |',
    '| --- | --- | --- | --- |',
    `| A block of one message (${r.single.views.length} inserts, both streams) | ${m(r.single.views).toFixed(1)} ms (${spread(r.single.views, 1)}) | ${m(r.single.bare).toFixed(1)} ms | ${(m(r.single.views) - m(r.single.bare)).toFixed(1)} ms a block |`,
    `| ${r.events.toLocaleString('en')} seed events, blocks of 65,536, one thread (${r.corpus.views.length} rounds) | ${m(r.corpus.views).toFixed(0)} ms (${spread(r.corpus.views, 0)}) | ${m(r.corpus.bare).toFixed(0)} ms | ${perMessageUs(added)} a message (${Math.round(r.events / (m(r.corpus.views) / 1000)).toLocaleString('en')} events/s on one thread) |`,
  ].join('\n');
}

/** Writes the results file and replaces (or adds) the decode block of BENCHMARKS.md. */
export function writeDecode(r: DecodeBenchResult, stamp: string): Promise<string> {
  return writeOwnBlock({ name: 'decode', file: 'decode', heading: 'Decoding views' }, r, stamp, renderDecode);
}
