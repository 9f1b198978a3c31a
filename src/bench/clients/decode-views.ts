/**
 * A child process of the benchmark: the seed's decoding views in embedded ClickHouse, alone (no
 * Kafka, no HTTP), and prints one JSON line with what it measured.
 * `node decode-views.js <json options>`.
 *
 * Each case is set beside the same insert into a Null table without views (the baseline: the
 * same rows moved, nothing decoded), so that the difference is what the views cost:
 * - a block of one message, many times: what the server spends analysing the views' SQL, which it
 *   does again for every block it inserts (src/pipeline/number-sql.ts);
 * - the whole corpus, in blocks of 65,536 on one thread: the decoding itself, per message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Session } from 'chdb';
import { currentServer } from '../../pipeline/features.js';
import { planPipeline } from '../../pipeline/plan.js';
import { literal } from '../../pipeline/quote.js';
import { render } from '../../pipeline/render.js';
import { streams } from '../../pipeline/streams/index.js';

interface DecodeOptions {
  readonly files: ReadonlyArray<{ readonly topic: string; readonly path: string }>;
  readonly singles: number;
  readonly rounds: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as DecodeOptions;
const folder = mkdtempSync(join(tmpdir(), 'kch-bench-decode-'));
const session = new Session(folder);
const timed = (sql: string): number => {
  const started = performance.now();
  session.query(sql);
  return performance.now() - started;
};
try {
  for (const statement of planPipeline(streams, { database: 'default', brokers: 'unused', topicPrefix: '', ingest: 'sink' }, currentServer)) session.query(render(statement));
  session.query('CREATE TABLE kch_bench_bare (raw String, _topic String, _partition UInt64, _offset UInt64, _timestamp Nullable(DateTime)) ENGINE = Null');
  const inputs: { table: string; corpus: string }[] = [];
  const read = new Set<(typeof streams)[number]>();
  for (const file of options.files) {
    const stream = streams.find((s) => s.topic === file.topic);
    if (!stream) throw new Error(`no seed stream reads the topic ${file.topic}`);
    const corpus = `kch_bench_${stream.name}`;
    session.query(`CREATE TABLE ${corpus} (raw String) ENGINE = Memory`);
    session.query(`INSERT INTO ${corpus} SELECT line FROM file(${literal(file.path)}, 'LineAsString')`);
    inputs.push({ table: stream.kafkaTable, corpus });
    read.add(stream);
  }
  const columns = '(raw, _topic, _partition, _offset, _timestamp)';
  const one = (table: string, corpus: string, i: number): string => `INSERT INTO ${table} ${columns} SELECT raw, 'bench', 0, ${i}, NULL FROM ${corpus} LIMIT 1 OFFSET ${i}`;
  const all = (table: string, corpus: string): string => `INSERT INTO ${table} ${columns} SELECT raw, 'bench', 0, rowNumberInAllBlocks(), NULL FROM ${corpus} SETTINGS max_threads = 1, max_insert_threads = 1, max_block_size = 65536, min_insert_block_size_rows = 65536`;
  // Interleaved, so that a machine whose speed drifts weighs on both alike.
  const single = { views: [] as number[], bare: [] as number[] };
  for (let i = 0; i < options.singles; i++) {
    for (const input of inputs) {
      single.views.push(timed(one(input.table, input.corpus, i)));
      single.bare.push(timed(one('kch_bench_bare', input.corpus, i)));
    }
  }
  const corpus = { views: [] as number[], bare: [] as number[] };
  for (let round = 0; round < options.rounds; round++) {
    corpus.views.push(inputs.reduce((ms, input) => ms + timed(all(input.table, input.corpus)), 0));
    corpus.bare.push(inputs.reduce((ms, input) => ms + timed(all('kch_bench_bare', input.corpus)), 0));
  }
  const sum = (tables: string[]): string => tables.map((t) => `(SELECT count() FROM ${t})`).join(' + ');
  const counted = session.query(`SELECT ${sum([...read].map((s) => s.target))}, ${sum([...read].map((s) => s.deadLetter))} FORMAT TSV`, 'TSV').trim().split('\t').map(Number);
  process.stdout.write(`${JSON.stringify({ single, corpus, stored: counted[0], deadLetters: counted[1] })}\n`);
} finally {
  session.close();
  rmSync(folder, { recursive: true, force: true });
}
