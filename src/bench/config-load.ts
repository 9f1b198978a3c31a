/**
 * Measurement 8: what a pipeline file adds to a command's start-up (target ≤ 300 ms). Needs no
 * Kafka and no ClickHouse: each run is a fresh Node process that imports kch's loader and takes
 * its streams as every command does, in a folder with no file (the seed's streams), with a
 * three-stream `kch.config.ts` and with the same file as `kch.config.mjs` (both through jiti,
 * which resolves the file's import of the package to the running kch; the .mjs has no types to
 * strip). The three are interleaved so that a machine whose speed drifts
 * weighs on each alike; the figure is the median of each, and the file's cost the difference.
 * Its figures go to their own results file and their own block of BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { root, writeOwnBlock } from './block.js';
import { configSource, ordersStream, otherStreams } from './own-config.js';
import { median } from './stats.js';

const tsConfig = configSource([ordersStream, ...otherStreams]);

type Case = 'none' | 'ts' | 'mjs';

export interface ConfigLoadResult {
  readonly runs: number;
  readonly node: string;
  readonly loadavg: { readonly before: string; readonly after: string };
  /** Median wall time of the whole process, per case, in ms. */
  readonly medianMs: Record<Case, number>;
  /** Every run's wall time, per case, in the order run. */
  readonly samplesMs: Record<Case, readonly number[]>;
  /** Median ms added by the file: ts − none, mjs − none. */
  readonly addedMs: { readonly ts: number; readonly mjs: number };
}

/** The process each run starts: kch's loader, resolving options as a command does, then exit. */
function loadScript(): string {
  const module = (path: string): string => JSON.stringify(join(root, 'dist', path));
  return `const { loadPipelineConfig } = await import(${module('config/pipeline-file.js')});
const { resolveOptions } = await import(${module('config/resolve.js')});
const { options } = await import(${module('config/options.js')});
const log = { debug() {}, info() {}, warn() {}, error() {} };
const { streams } = await loadPipelineConfig(resolveOptions([options.config], [], process.env), log);
if (streams.length < 2) process.exit(3);`;
}

function once(script: string, cwd: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8', env: { ...process.env, KCH_CONFIG: '' } });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`loading the pipeline file in ${cwd} failed (exit ${result.status}): ${result.stderr.slice(-800)}`);
  return elapsed;
}

export async function measureConfigLoad(runs: number, log: (line: string) => void, loadavg: () => string): Promise<ConfigLoadResult> {
  const folders: Record<Case, string> = {
    none: await mkdtemp(join(tmpdir(), 'kch-bench-config-none-')),
    ts: await mkdtemp(join(tmpdir(), 'kch-bench-config-ts-')),
    mjs: await mkdtemp(join(tmpdir(), 'kch-bench-config-mjs-')),
  };
  await writeFile(join(folders.ts, 'kch.config.ts'), tsConfig);
  await writeFile(join(folders.mjs, 'kch.config.mjs'), tsConfig);
  const before = loadavg();
  const samples: Record<Case, number[]> = { none: [], ts: [], mjs: [] };
  const script = loadScript();
  try {
    // One unmeasured round warms the file system cache, as a user's second command would find it.
    for (const kind of ['none', 'ts', 'mjs'] as const) once(script, folders[kind]);
    for (let i = 0; i < runs; i++) {
      for (const kind of ['none', 'ts', 'mjs'] as const) samples[kind].push(once(script, folders[kind]));
      if ((i + 1) % 5 === 0 || i + 1 === runs) log(`config load: ${i + 1}/${runs} rounds`);
    }
  } finally {
    for (const folder of Object.values(folders)) await rm(folder, { recursive: true, force: true });
  }
  const medianMs = { none: median(samples.none) ?? 0, ts: median(samples.ts) ?? 0, mjs: median(samples.mjs) ?? 0 };
  const result: ConfigLoadResult = {
    runs, node: process.version, loadavg: { before, after: loadavg() }, medianMs, samplesMs: samples,
    addedMs: { ts: medianMs.ts - medianMs.none, mjs: medianMs.mjs - medianMs.none },
  };
  log(`config load: kch.config.ts adds ${result.addedMs.ts.toFixed(0)} ms, kch.config.mjs ${result.addedMs.mjs.toFixed(0)} ms (medians ${medianMs.none.toFixed(0)} / ${medianMs.ts.toFixed(0)} / ${medianMs.mjs.toFixed(0)} ms, ${runs} runs each)`);
  return result;
}

export function renderConfigLoad(r: ConfigLoadResult, jsonPath: string): string {
  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  const spread = (xs: readonly number[]): string => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
  return [
    `From \`${jsonPath}\` (Node ${r.node}, load average ${r.loadavg.before} before, ${r.loadavg.after} after). Each run is a fresh process that loads kch's pipeline loader and takes its streams as a command does; a file of three streams (src/bench/own-config.ts), median of ${r.runs} runs of each case, interleaved.`,
    '',
    '| Case | Process, median (range) | Added by the file | Target | Met |',
    '| --- | --- | --- | --- | --- |',
    `| No pipeline file (the seed's streams) | ${ms(r.medianMs.none)} (${spread(r.samplesMs.none)}) | — | | |`,
    `| \`kch.config.ts\` (through jiti) | ${ms(r.medianMs.ts)} (${spread(r.samplesMs.ts)}) | ${ms(r.addedMs.ts)} | ≤ 300 ms | ${r.addedMs.ts <= 300 ? 'yes' : 'no'} |`,
    `| \`kch.config.mjs\` (the same file without types) | ${ms(r.medianMs.mjs)} (${spread(r.samplesMs.mjs)}) | ${ms(r.addedMs.mjs)} | ≤ 300 ms | ${r.addedMs.mjs <= 300 ? 'yes' : 'no'} |`,
  ].join('\n');
}

/** Writes the results file and replaces (or adds) the config-load block of BENCHMARKS.md. */
export function writeConfigLoad(r: ConfigLoadResult, stamp: string): Promise<string> {
  return writeOwnBlock({ name: 'config-load', file: 'config-load', heading: 'Loading a pipeline file' }, r, stamp, renderConfigLoad);
}
