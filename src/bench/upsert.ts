/**
 * Measurement: what an upsert stream costs (README, "Upsert streams"; docs/guarantees.md §7), in
 * embedded ClickHouse without Kafka or HTTP (src/bench/clients/upsert-views.ts): decoding
 * Debezium's changes into a ReplacingMergeTree beside the same rows as plain JSON through an append
 * stream, and reading the live rows with FINAL beside a plain read, at two sizes, before and after
 * a merge. Its figures go to their own results file and their own block of BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { root, writeOwnBlock } from './block.js';
import { runJsonChild } from './child.js';
import { machineFacts, type MachineFacts } from './machine.js';
import { median } from './stats.js';

const childScript = fileURLToPath(new URL('./clients/upsert-views.js', import.meta.url));

/** One case's timings, ms, in round order. */
type Series = readonly number[];

/** What the child (src/bench/clients/upsert-views.ts) is asked to measure. */
export interface UpsertOptions {
  /** Rows of the table's snapshot (op `r`), keys 1..snapshot. */
  readonly snapshot: number;
  /** Changes after it: updates over the same keys, one in ten a delete. */
  readonly updates: number;
  /** Rounds of the decoding measurement. */
  readonly rounds: number;
  /** Keys of each read measurement's table. */
  readonly readKeys: readonly number[];
  /** Rounds of each read query. */
  readonly readRounds: number;
  /** Per-query memory limit, bytes (max_memory_usage). */
  readonly maxMemoryBytes: number;
  /** Threads of a read query (max_threads); inserts run on one. */
  readonly readThreads: number;
}

export interface DecodePhase {
  readonly changes: number;
  readonly deletes: number;
  /** Debezium's changes through the upsert stream's views into its ReplacingMergeTree. */
  readonly upsert: Series;
  /** The same rows as plain JSON through the append stream's views into a MergeTree. */
  readonly rows: Series;
  /** Debezium's messages into a Null table without views. */
  readonly bare: Series;
  /** Bytes of the messages, each form. */
  readonly debeziumBytes: number;
  readonly rowBytes: number;
}

export interface UpsertDecodeResult {
  readonly generateMs: number;
  readonly snapshot: DecodePhase;
  readonly updates: DecodePhase;
  /** OPTIMIZE TABLE … FINAL of each target after a round, ms. */
  readonly merge: { readonly upsert: Series; readonly rows: Series };
  /** Live rows (FINAL) and the sum of their qty: as the changes leave them, and as read after each round's inserts. */
  readonly live: { readonly expected: readonly [number, string]; readonly read: ReadonlyArray<readonly [number, string]> };
  /**
   * Rows in the ReplacingMergeTree after each round's inserts, before any merge: fewer than the
   * changes, as the server replaces a key's older versions within an inserted block already
   * (`optimize_on_insert`).
   */
  readonly written: readonly number[];
  /** Rows the append stream stored, all rounds. */
  readonly appended: number;
  readonly deadLetters: number;
}

export interface ReadQuery {
  readonly name: string;
  /** Timings, ms: FINAL and plain before the merge, FINAL and plain after it. */
  readonly final: Series;
  readonly plain: Series;
  readonly mergedFinal: Series;
  readonly mergedPlain: Series;
  /** What each returned (the first round's answer). */
  readonly answers: { readonly final: string; readonly plain: string; readonly mergedFinal: string; readonly mergedPlain: string };
}

export interface ReadScale {
  readonly keys: number;
  readonly rows: number;
  readonly parts: number;
  readonly deletes: number;
  readonly buildMs: number;
  readonly optimizeMs: number;
  readonly rowsAfterMerge: number;
  readonly partsAfterMerge: number;
  readonly queries: readonly ReadQuery[];
}

export interface UpsertChildResult {
  readonly version: string;
  readonly decode: UpsertDecodeResult;
  readonly reads: readonly ReadScale[];
}

export interface UpsertBenchResult extends UpsertChildResult {
  readonly machine: MachineFacts;
  /** The commit measured (with `+` when the checkout had changes not committed). */
  readonly commit: string;
  readonly options: UpsertOptions;
  readonly loadavg: { readonly before: string; readonly after: string };
  readonly seconds: number;
}

function commitOf(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '+' : ''}`;
}

export async function measureUpsert(quick: boolean, log: (line: string) => void, loadavg: () => string): Promise<UpsertBenchResult> {
  const before = loadavg();
  const options: UpsertOptions = quick
    ? { snapshot: 200_000, updates: 200_000, rounds: 2, readKeys: [1_000_000], readRounds: 3, maxMemoryBytes: 2 * 2 ** 30, readThreads: 2 }
    : { snapshot: 1_000_000, updates: 1_000_000, rounds: 3, readKeys: [1_000_000, 10_000_000], readRounds: 5, maxMemoryBytes: 2 * 2 ** 30, readThreads: 2 };
  log(`upsert streams: ${(options.snapshot + options.updates).toLocaleString('en')} Debezium changes, reads at ${options.readKeys.map((k) => k.toLocaleString('en')).join(' and ')} keys, embedded ClickHouse`);
  const started = performance.now();
  const measured = await runJsonChild<UpsertChildResult>(childScript, options, 'the upsert benchmark', log);
  const { decode } = measured;
  const perRound = decode.snapshot.changes + decode.updates.changes;
  if (decode.deadLetters !== 0) throw new Error(`the upsert benchmark made ${decode.deadLetters} dead letters of valid changes`);
  if (decode.appended !== perRound * options.rounds) throw new Error(`the upsert benchmark's append stream stored ${decode.appended} rows, expected ${perRound * options.rounds}: not every row it inserted`);
  for (const read of decode.live.read) {
    if (read[0] !== decode.live.expected[0] || read[1] !== decode.live.expected[1]) {
      throw new Error(`the upsert stream's live rows (${read.join(', sum(qty) ')}) are not the state its changes leave (${decode.live.expected.join(', sum(qty) ')})`);
    }
  }
  if (decode.live.read.length !== options.rounds) throw new Error(`the upsert benchmark read the live rows ${decode.live.read.length} times in ${options.rounds} rounds`);
  const result: UpsertBenchResult = {
    ...measured,
    machine: machineFacts(`${measured.version} (chdb)`, '—', before),
    commit: commitOf(),
    options,
    loadavg: { before, after: loadavg() },
    seconds: (performance.now() - started) / 1000,
  };
  log(`upsert streams: done in ${result.seconds.toFixed(0)} s`);
  return result;
}

const m = (xs: readonly number[]): number => median(xs) ?? 0;
const n = (x: number): string => Math.round(x).toLocaleString('en');
const range = (xs: readonly number[], digits = 0): string => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
/** A duration in ms as its median and range, in ms or s. */
const ms = (xs: readonly number[]): string => {
  const mid = m(xs);
  if (mid >= 10_000) return `${(mid / 1000).toFixed(1)} s (${(Math.min(...xs) / 1000).toFixed(1)}–${(Math.max(...xs) / 1000).toFixed(1)})`;
  const digits = mid < 10 ? 1 : 0;
  return `${mid.toFixed(digits)} ms (${range(xs, digits)})`;
};
/** A TSV answer's numbers, grouped: `914123\t456` → `914,123 · 456`. */
const answer = (tsv: string): string => tsv.split('\t').map((v) => (/^-?\d+$/.test(v) ? Number(v).toLocaleString('en') : v)).join(' · ');
const queryText: Record<string, string> = {
  count: '`count()`',
  sum: '`sum(qty)`',
  range: '`count(), sum(qty) … WHERE id BETWEEN` (10,000 keys)',
};

export function renderUpsert(r: UpsertBenchResult, jsonPath: string): string {
  const { decode, options: o } = r;
  const phaseRow = (label: string, p: UpsertBenchResult['decode']['snapshot']): string => {
    const added = (m(p.upsert) - m(p.rows)) * 1000 / p.changes;
    return `| ${label} | ${ms(p.upsert)} | ${n(p.changes / (m(p.upsert) / 1000))}/s, ${(m(p.upsert) * 1000 / p.changes).toFixed(2)} µs | ${ms(p.rows)} | ${n(p.changes / (m(p.rows) / 1000))}/s, ${(m(p.rows) * 1000 / p.changes).toFixed(2)} µs | ${added >= 0 ? '+' : ''}${added.toFixed(2)} µs (${(100 * (m(p.upsert) / m(p.rows) - 1)).toFixed(0)} %) | ${ms(p.bare)} |`;
  };
  const perRound = decode.snapshot.changes + decode.updates.changes;
  const lines = [
    `Run of ${r.machine.date.slice(0, 16).replace('T', ' ')} UTC at commit ${r.commit}, ${r.seconds.toFixed(0)} s in all; raw figures in \`${jsonPath}\`. ${r.machine.cores} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ClickHouse ${r.version} (chdb ${r.machine.clients.chdb ?? '?'}), in a child process with no Kafka and no HTTP (src/bench/upsert.ts). Load average ${r.loadavg.before} before, ${r.loadavg.after} after: a shared machine, so read the ratios within a table, not the last digit. Settings: \`max_memory_usage\` ${(o.maxMemoryBytes / 2 ** 30).toFixed(0)} GiB a query; the decoding inserts on one thread in blocks of 65,536 (as the sink's); the read tables built and read with \`max_threads\` ${o.readThreads}.`,
    '',
    `**Decoding changes.** The table \`orders\` (src/bench/upsert-streams.ts: an Int64 key and 8 columns: text, an enumeration, Int32, a decimal, a bool, an ISO time, an optional text and an optional decimal) as Debezium's PostgreSQL connector writes its changes (JSON without the schema wrapper, ${n(decode.updates.debeziumBytes / decode.updates.changes)} bytes an update with its \`source\` block), into the upsert stream's sink-input table: the views take each change out of its envelope, check it and write a ReplacingMergeTree. Beside it, the same rows as plain JSON (${n(decode.updates.rowBytes / decode.updates.changes)} bytes) through an append stream of the same fields into a MergeTree sorted by the same key: what the envelope and the key add. And the Debezium messages into a Null table without views: moving the bytes. Median of ${o.rounds} rounds (range), interleaved; merges stopped while inserting.`,
    '',
    '| Changes | Upsert stream (Debezium) | Changes/s, µs a change | Append stream (the rows as JSON) | Rows/s, µs a row | The envelope and key add | No views |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    phaseRow(`Snapshot: ${n(decode.snapshot.changes)} rows, op \`r\``, decode.snapshot),
    phaseRow(`Then ${n(decode.updates.changes)} changes over those keys (${n(decode.updates.deletes)} deletes, ${(100 * decode.updates.deletes / decode.updates.changes).toFixed(1)} %)`, decode.updates),
    '',
    `The ReplacingMergeTree held ${n(m(decode.written))} rows of the ${n(perRound)} changes after the inserts, before any merge: the server already keeps only a key's newest version within each inserted block (\`optimize_on_insert\`). Merging each target whole afterwards (\`OPTIMIZE TABLE … FINAL\`): the ReplacingMergeTree ${ms(decode.merge.upsert)}, down to ${n(decode.live.expected[0])} live rows plus the deleted keys' last versions; the MergeTree ${ms(decode.merge.rows)}, keeping all ${n(perRound)}. Checked each round: no dead letter, every row in the append stream, and \`count(), sum(qty) … FINAL\` of the upsert stream equal to the state the changes leave (${n(decode.live.expected[0])} live rows).`,
    '',
    `**Reading live rows.** A ReplacingMergeTree of the stream's own DDL as a running stream leaves it before merges: a snapshot of every key in 4 parts, then twice as many changes over random keys (one in ten a delete) in 8 parts, merges stopped; read with \`FINAL\` (the live rows: the contract) and without it, the plain read leaving deleted rows out itself (\`WHERE NOT kch_deleted\`: a merge keeps each deleted key's newest version), then merged whole (\`OPTIMIZE TABLE … FINAL\`, timed) and read again. Before the merge the plain read is wrong (it counts every older version); after it, right. Median of ${o.readRounds} rounds (range), FINAL and plain interleaved.`,
    '',
    '| Keys | Query | FINAL | Plain | FINAL / plain | Merged: FINAL | Merged: plain | Returns: FINAL — plain — merged plain |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const scale of r.reads) {
    scale.queries.forEach((q, i) => {
      const head = i === 0
        ? `${n(scale.keys)} (${n(scale.rows)} rows in ${scale.parts} parts, ${n(scale.deletes)} deletes; built in ${(scale.buildMs / 1000).toFixed(0)} s, merged in ${(scale.optimizeMs / 1000).toFixed(1)} s to ${n(scale.rowsAfterMerge)} rows in ${scale.partsAfterMerge} part${scale.partsAfterMerge === 1 ? '' : 's'})`
        : '';
      lines.push(`| ${head} | ${queryText[q.name] ?? q.name} | ${ms(q.final)} | ${ms(q.plain)} | ${(m(q.final) / m(q.plain)).toFixed(1)}× | ${ms(q.mergedFinal)} | ${ms(q.mergedPlain)} | ${answer(q.answers.final)} — ${answer(q.answers.plain)} — ${answer(q.answers.mergedPlain)} |`);
    });
  }
  return lines.join('\n');
}

/** Writes the results file and replaces (or adds) the upsert block of BENCHMARKS.md. */
export function writeUpsert(r: UpsertBenchResult, stamp: string): Promise<string> {
  return writeOwnBlock({ name: 'upsert', file: 'upsert', heading: 'Upsert streams' }, r, stamp, renderUpsert);
}
