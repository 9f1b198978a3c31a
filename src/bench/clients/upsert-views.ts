/**
 * A child process of the benchmark: an upsert stream in embedded ClickHouse, alone (no Kafka, no
 * HTTP), and prints one JSON line with what it measured. `node upsert-views.js <json options>`.
 *
 * 1. Decoding changes: Debezium's JSON of a snapshot (op `r`) and of updates and deletes over the
 *    same keys, inserted into the upsert stream's sink-input table (its views decode each change
 *    into a ReplacingMergeTree), beside the same rows as plain JSON through an append stream (the
 *    baseline: the rows' own decoding and checks into a MergeTree, without the envelope) and the
 *    Debezium messages into a Null table without views (moving the bytes). Merges are stopped while
 *    inserting, then each target is merged whole (OPTIMIZE FINAL), timed: where ReplacingMergeTree
 *    does its work. The live rows are checked against the state the changes leave.
 * 2. Reading live rows: a ReplacingMergeTree with several versions of each key over a dozen parts,
 *    as a running stream leaves it before merges, read with FINAL and without (a plain read, deleted
 *    rows filtered out, still counts every older version), then merged and read again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Session } from 'chdb';
import { currentServer } from '../../pipeline/features.js';
import { planPipeline } from '../../pipeline/plan.js';
import { render } from '../../pipeline/render.js';
import { changesStream, changeValues, debeziumJson, rowJson, rowsStream } from '../upsert-streams.js';
import type { DecodePhase, ReadScale, UpsertChildResult, UpsertDecodeResult, UpsertOptions } from '../upsert.js';

/** One case's timings, ms, in round order. */
type Series = number[];

const options = JSON.parse(process.argv[2] ?? '{}') as UpsertOptions;
const folder = mkdtempSync(join(tmpdir(), 'kch-bench-upsert-'));
const session = new Session(folder);
const q = (sql: string): string => session.query(sql, 'TSV').trim();
const timed = (sql: string): number => {
  const started = performance.now();
  session.query(sql);
  return performance.now() - started;
};
/** Runs a query, returns its time (ms) and its answer as TSV. */
const answered = (sql: string): [number, string] => {
  const started = performance.now();
  const answer = session.query(sql, 'TSV').trim();
  return [performance.now() - started, answer];
};
const log = (line: string): void => { process.stderr.write(`${line}\n`); };
const activeParts = (table: string): number => Number(q(`SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = '${table}' AND active`));

/**
 * Merges a table whose merges were stopped into one part, timed (ms). OPTIMIZE runs only with
 * merges allowed, and a background merge may take some parts first: then it is asked again, the
 * wait counted, until one part is left.
 */
function mergeWhole(table: string): number {
  const started = performance.now();
  session.query(`SYSTEM START MERGES ${table}`);
  for (let attempt = 0; activeParts(table) > 1; attempt++) {
    if (attempt === 20) throw new Error(`${table}: still ${activeParts(table)} parts after 20 OPTIMIZE … FINAL`);
    try {
      session.query(`OPTIMIZE TABLE ${table} FINAL SETTINGS optimize_throw_if_noop = 1`);
    } catch (error) {
      // Parts taken by a background merge: asked again once it has ended.
      if (!/CANNOT_ASSIGN_OPTIMIZE|Code: 388/.test((error as Error).message)) throw error;
    }
  }
  return performance.now() - started;
}

/** One thread, blocks of 65,536 messages: the shape of the sink's inserts, the same for every case. */
const insertSettings = 'SETTINGS max_threads = 1, max_insert_threads = 1, max_block_size = 65536, min_insert_block_size_rows = 65536, min_insert_block_size_bytes = 0';
const snapshotLsn = 24_023_928;

function measureDecode(): UpsertDecodeResult {
  const { snapshot: s, updates: u } = options;
  for (const statement of planPipeline([changesStream, rowsStream], { database: 'default', brokers: 'unused', topicPrefix: '', ingest: 'sink' }, currentServer)) session.query(render(statement));
  session.query('CREATE TABLE kch_bench_bare (raw String, _topic String, _partition UInt64, _offset UInt64, _timestamp Nullable(DateTime)) ENGINE = Null');
  const started = performance.now();
  // The ops: a snapshot of every key, then updates over random keys; one in ten a delete, and the
  // change after a delete re-creates the row (`c`).
  session.query('CREATE TABLE kch_bench_ops (seq UInt64, id Int64, op LowCardinality(String)) ENGINE = MergeTree ORDER BY seq');
  session.query(`INSERT INTO kch_bench_ops
    SELECT seq, id, multiIf(intended = 'r', 'r', intended = 'd' AND previous != 'd', 'd', previous = 'd', 'c', 'u')
    FROM (
      SELECT seq, id, intended, lagInFrame(intended, 1, '') OVER (PARTITION BY id ORDER BY seq ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous
      FROM (
        SELECT number AS seq, toInt64(number + 1) AS id, 'r' AS intended FROM numbers(${s})
        UNION ALL
        SELECT ${s} + number AS seq, toInt64(1 + cityHash64(number, 'key') % ${s}) AS id, if(cityHash64(number, 'op') % 10 = 0, 'd', 'u') AS intended FROM numbers(${u})
      )
    )`);
  // The snapshot's changes all carry the position it was taken at; each later change its own.
  const lsn = `if(seq < ${s}, ${snapshotLsn}, ${snapshotLsn} + 1000 + (seq - ${s}) * 184)`;
  const snapshotFlag = `multiIf(seq = 0, 'first', seq = ${s - 1}, 'last', seq < ${s}, 'true', 'false')`;
  session.query('CREATE TABLE kch_bench_corpus (seq UInt64, debezium String, row String) ENGINE = MergeTree ORDER BY seq');
  session.query(`INSERT INTO kch_bench_corpus SELECT seq, ${debeziumJson('seq', 'id', 'op', lsn, snapshotFlag)}, ${rowJson('seq', 'id')} FROM kch_bench_ops`);
  const generateMs = performance.now() - started;
  const qty = changeValues('last_seq').qty;
  const expected = q(`SELECT count(), sum(${qty}) FROM (SELECT id, argMax(op, seq) AS last_op, max(seq) AS last_seq FROM kch_bench_ops GROUP BY id) WHERE last_op != 'd'`).split('\t');
  const phaseFacts = (where: string): { changes: number; deletes: number; debeziumBytes: number; rowBytes: number } => {
    const [changes, deletes] = q(`SELECT count(), countIf(op = 'd') FROM kch_bench_ops WHERE ${where}`).split('\t').map(Number);
    const [debeziumBytes, rowBytes] = q(`SELECT sum(length(debezium)), sum(length(row)) FROM kch_bench_corpus WHERE ${where}`).split('\t').map(Number);
    return { changes: changes!, deletes: deletes!, debeziumBytes: debeziumBytes!, rowBytes: rowBytes! };
  };
  const phases = [
    { where: `seq < ${s}`, facts: phaseFacts(`seq < ${s}`), upsert: [] as Series, rows: [] as Series, bare: [] as Series },
    { where: `seq >= ${s}`, facts: phaseFacts(`seq >= ${s}`), upsert: [] as Series, rows: [] as Series, bare: [] as Series },
  ];
  log(`upsert: ${s + u} changes made in ${(generateMs / 1000).toFixed(1)} s`);
  const columns = '(raw, _topic, _partition, _offset, _timestamp)';
  const insert = (table: string, column: string, where: string): string => `INSERT INTO ${table} ${columns} SELECT ${column}, 'shop.public.orders', 0, seq, NULL FROM kch_bench_corpus WHERE ${where} ${insertSettings}`;
  const targets = [changesStream.target, rowsStream.target];
  const merge = { upsert: [] as Series, rows: [] as Series };
  const read: Array<[number, string]> = [];
  const written: number[] = [];
  let appended = 0;
  let deadLetters = 0;
  for (let round = 0; round < options.rounds; round++) {
    for (const table of targets) session.query(`SYSTEM STOP MERGES ${table}`);
    for (const phase of phases) {
      // Interleaved, the order turned each round, so that a machine whose speed drifts weighs on all alike.
      const cases = [
        () => phase.upsert.push(timed(insert(changesStream.kafkaTable, 'debezium', phase.where))),
        () => phase.rows.push(timed(insert(rowsStream.kafkaTable, 'row', phase.where))),
        () => phase.bare.push(timed(insert('kch_bench_bare', 'debezium', phase.where))),
      ];
      for (const run of round % 2 === 0 ? cases : cases.reverse()) run();
    }
    const counts = q(`SELECT (SELECT count() FROM ${changesStream.target}), (SELECT count() FROM ${rowsStream.target}), (SELECT count() FROM ${changesStream.deadLetter}) + (SELECT count() FROM ${rowsStream.deadLetter})`).split('\t').map(Number);
    written.push(counts[0]!);
    appended += counts[1]!;
    deadLetters += counts[2]!;
    const [liveCount, liveQty] = q(`SELECT count(), sum(qty) FROM ${changesStream.target} FINAL`).split('\t');
    read.push([Number(liveCount), liveQty!]);
    const mergeCases = [
      () => merge.upsert.push(mergeWhole(changesStream.target)),
      () => merge.rows.push(mergeWhole(rowsStream.target)),
    ];
    for (const run of round % 2 === 0 ? mergeCases : mergeCases.reverse()) run();
    for (const table of [...targets, changesStream.deadLetter, rowsStream.deadLetter]) session.query(`TRUNCATE TABLE ${table}`);
    log(`upsert: decoding round ${round + 1} of ${options.rounds}: snapshot ${phases[0]!.upsert.at(-1)!.toFixed(0)} ms (rows ${phases[0]!.rows.at(-1)!.toFixed(0)}), updates ${phases[1]!.upsert.at(-1)!.toFixed(0)} ms (rows ${phases[1]!.rows.at(-1)!.toFixed(0)})`);
  }
  session.query('DROP TABLE kch_bench_corpus');
  const phaseResult = (phase: (typeof phases)[number]): DecodePhase => ({ ...phase.facts, upsert: phase.upsert, rows: phase.rows, bare: phase.bare });
  return {
    generateMs,
    snapshot: phaseResult(phases[0]!),
    updates: phaseResult(phases[1]!),
    merge,
    live: { expected: [Number(expected[0]), expected[1]!], read },
    written,
    appended,
    deadLetters,
  };
}

/**
 * A table of `keys` keys as a running stream leaves it before merges: a snapshot of every key in
 * 4 parts, then twice as many changes over random keys (one in ten a delete) in 8 parts.
 */
function buildLive(table: string, keys: number): number {
  session.query(`CREATE TABLE ${table} AS ${changesStream.target}`);
  session.query(`SYSTEM STOP MERGES ${table}`);
  const v = changeValues('seq');
  // One part per insert: blocks as large as the insert.
  const onePart = `SETTINGS max_insert_threads = 1, min_insert_block_size_rows = ${keys}, max_insert_block_size = ${keys}, min_insert_block_size_bytes = 0`;
  const insert = (from: number, count: number, snapshot: boolean): string => `INSERT INTO ${table} (id, customer, status, qty, price, paid, updated_at, note, discount, kch_version, kch_deleted)
    SELECT id, if(deleted, '', ${v.customer}), if(deleted, 'new', ${v.status}), if(deleted, 0, ${v.qty}), if(deleted, 0, toDecimal64(${v.priceCents}, 2) / 100),
      if(deleted, false, ${v.paid}), if(deleted, toDateTime64(0, 6, 'UTC'), ${v.updatedAt}), if(deleted, NULL, ${v.note}), if(deleted, NULL, toDecimal32(${v.discountCents}, 2) / 100),
      ${snapshot ? snapshotLsn : `${snapshotLsn} + 1000 + (seq - ${keys}) * 184`}, deleted
    FROM (SELECT number AS seq, ${snapshot ? 'toInt64(number + 1)' : `toInt64(1 + cityHash64(number, 'key') % ${keys})`} AS id, ${snapshot ? '0' : "cityHash64(number, 'op') % 10 = 0"} AS deleted FROM numbers(${from}, ${count}))
    ${onePart}`;
  const started = performance.now();
  // Bounds of the i-th of `of` equal slices of `count` changes from `first`.
  const slice = (first: number, count: number, of: number, i: number): [number, number] => {
    const from = first + Math.floor((count * i) / of);
    return [from, first + Math.floor((count * (i + 1)) / of) - from];
  };
  for (let i = 0; i < 4; i++) session.query(insert(...slice(0, keys, 4, i), true));
  for (let i = 0; i < 8; i++) session.query(insert(...slice(keys, 2 * keys, 8, i), false));
  return performance.now() - started;
}

function measureReads(keys: number): ReadScale {
  const table = `kch_bench_live_${keys}`;
  const buildMs = buildLive(table, keys);
  const facts = (): number[] => q(`SELECT sum(rows), count() FROM system.parts WHERE database = currentDatabase() AND table = '${table}' AND active`).split('\t').map(Number);
  const [rows, parts] = facts();
  const deletes = Number(q(`SELECT countIf(kch_deleted) FROM ${table}`));
  log(`upsert: ${keys} keys: ${rows} rows in ${parts} parts, built in ${(buildMs / 1000).toFixed(1)} s`);
  const from = Math.floor(keys / 2);
  // The plain read leaves deleted rows out itself: the most a read without FINAL can do, right
  // once the table is merged whole (a merge keeps each deleted key's newest version).
  const queries = [
    { name: 'count', sql: (final: boolean) => `SELECT count() FROM ${table}${final ? ' FINAL' : ' WHERE NOT kch_deleted'}` },
    { name: 'sum', sql: (final: boolean) => `SELECT sum(qty) FROM ${table}${final ? ' FINAL' : ' WHERE NOT kch_deleted'}` },
    { name: 'range', sql: (final: boolean) => `SELECT count(), sum(qty) FROM ${table}${final ? ' FINAL WHERE' : ' WHERE NOT kch_deleted AND'} id BETWEEN ${from} AND ${from + 9_999}` },
  ];
  const measured = queries.map((query) => ({ name: query.name, final: [] as Series, plain: [] as Series, mergedFinal: [] as Series, mergedPlain: [] as Series, answers: { final: '', plain: '', mergedFinal: '', mergedPlain: '' } }));
  const rounds = (merged: boolean): void => {
    for (let round = 0; round < options.readRounds; round++) {
      queries.forEach((query, i) => {
        const m = measured[i]!;
        const cases: Array<() => void> = [
          () => { const [ms, answer] = answered(query.sql(true)); (merged ? m.mergedFinal : m.final).push(ms); if (round === 0) m.answers[merged ? 'mergedFinal' : 'final'] = answer; },
          () => { const [ms, answer] = answered(query.sql(false)); (merged ? m.mergedPlain : m.plain).push(ms); if (round === 0) m.answers[merged ? 'mergedPlain' : 'plain'] = answer; },
        ];
        for (const run of round % 2 === 0 ? cases : cases.reverse()) run();
      });
    }
  };
  rounds(false);
  const optimizeMs = mergeWhole(table);
  const [rowsAfterMerge, partsAfterMerge] = facts();
  log(`upsert: ${keys} keys: merged in ${(optimizeMs / 1000).toFixed(1)} s to ${rowsAfterMerge} rows in ${partsAfterMerge} parts`);
  rounds(true);
  for (const m of measured) {
    if (m.answers.final !== m.answers.mergedFinal) throw new Error(`${m.name} FINAL answered ${m.answers.final} before the merge and ${m.answers.mergedFinal} after it`);
    if (m.answers.mergedPlain !== m.answers.mergedFinal) throw new Error(`${m.name} on the merged table: the plain read answered ${m.answers.mergedPlain}, FINAL ${m.answers.mergedFinal}`);
  }
  session.query(`DROP TABLE ${table} SYNC`);
  return { keys, rows: rows!, parts: parts!, deletes, buildMs, optimizeMs, rowsAfterMerge: rowsAfterMerge!, partsAfterMerge: partsAfterMerge!, queries: measured };
}

try {
  session.query(`SET max_memory_usage = ${options.maxMemoryBytes}, max_threads = ${options.readThreads}`);
  const version = q('SELECT version()');
  const decode = measureDecode();
  const reads = options.readKeys.map(measureReads);
  const result: UpsertChildResult = { version, decode, reads };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  session.close();
  rmSync(folder, { recursive: true, force: true });
}
