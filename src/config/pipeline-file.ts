/**
 * Where the streams come from: the pipeline file a user gives (`--config`, KCH_CONFIG) or keeps
 * in the current folder (`kch.config.ts` …), or the seed's two streams when there is none. Every
 * command takes its streams from here and from nowhere else.
 *
 * TypeScript is loaded with jiti (Node 20 cannot import .ts): it strips the types in memory and
 * writes no cache (nothing outside the data folder). The file's `import … from
 * 'kafka-clickhouse-pipeline'` is pointed at the kch that is running, wherever it is installed or
 * not, and imported natively so that its classes are the running kch's own.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, KchError, isKchError, messageOf } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import { streams as seedStreams } from '../pipeline/streams/index.js';
import { defineConfig } from './define.js';
import { options } from './options.js';
import type { ResolvedOptions } from './resolve.js';

export interface PipelineConfig {
  readonly streams: readonly StreamDefinition[];
  /** Absolute path of the file the streams came from; undefined for the seed's streams. */
  readonly file: string | undefined;
}

/** The names a pipeline file may have in the current folder, in the order they are looked for. */
export const configNames = ['kch.config.ts', 'kch.config.mts', 'kch.config.js', 'kch.config.mjs'] as const;

/** The package's own name, as a pipeline file imports it. */
export const packageName = 'kafka-clickhouse-pipeline';
const selfEntry = fileURLToPath(new URL('../index.js', import.meta.url));

/** The pipeline file in `folder`, if any. */
export function findConfig(folder: string = process.cwd()): string | undefined {
  for (const name of configNames) {
    const path = resolve(folder, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** The streams every command acts on. */
export async function loadPipelineConfig(resolved: ResolvedOptions, log: Logger): Promise<PipelineConfig> {
  const given = resolved.string(options.config);
  if (given) {
    const file = resolve(given);
    if (!existsSync(file) || !statSync(file).isFile()) throw new KchError(ErrorCodes.CONFIG, `pipeline file ${given} (--config / KCH_CONFIG) does not exist`);
    return loadPipelineFile(file, log);
  }
  const found = findConfig();
  return found ? loadPipelineFile(found, log) : { streams: seedStreams, file: undefined };
}

/** The streams of a pipeline file, or the seed's without one: what a generator thread loads, given the main thread's file. */
export async function pipelineStreams(file: string | undefined, log: Logger): Promise<readonly StreamDefinition[]> {
  return file === undefined ? seedStreams : (await loadPipelineFile(file, log)).streams;
}

let loader: { import: (id: string) => Promise<unknown> } | undefined;

async function jiti(): Promise<{ import: (id: string) => Promise<unknown> }> {
  if (!loader) {
    const { createJiti } = await import('jiti');
    loader = createJiti(import.meta.url, {
      fsCache: false,
      moduleCache: false,
      alias: { [packageName]: selfEntry },
      // The aliased entry (plain JS) is imported by Node itself: one copy of kch's modules.
      tryNative: true,
      interopDefault: true,
    });
  }
  return loader;
}

/** The streams of one pipeline file. Any mistake in it is one line naming the file. */
export async function loadPipelineFile(file: string, log: Logger): Promise<PipelineConfig> {
  const started = performance.now();
  let module: unknown;
  try {
    module = await (await jiti()).import(file);
  } catch (error) {
    throw new KchError(ErrorCodes.CONFIG, `${file}: ${isKchError(error) ? error.message : firstLine(error)}`, { cause: error });
  }
  const exported = exportOf(module);
  if (!exported) throw new KchError(ErrorCodes.CONFIG, `${file} exports no pipeline: end it with export default defineConfig({ streams: [...] })`);
  let streams: readonly StreamDefinition[];
  try {
    streams = defineConfig(exported).streams;
  } catch (error) {
    throw new KchError(ErrorCodes.CONFIG, `${file}: ${isKchError(error) ? error.message : firstLine(error)}`, { cause: error });
  }
  log.debug(`streams ${streams.map((s) => s.name).join(', ')} from ${file} in ${Math.round(performance.now() - started)} ms`);
  return { streams, file };
}

function exportOf(module: unknown): { streams: readonly StreamDefinition[] } | undefined {
  const candidates = [module, (module as { default?: unknown } | null)?.default, (module as { config?: unknown } | null)?.config];
  for (const candidate of candidates) {
    if (candidate && typeof candidate === 'object' && Array.isArray((candidate as { streams?: unknown }).streams)) return candidate as { streams: readonly StreamDefinition[] };
  }
  return undefined;
}

/** A loader's error in one line: a syntax error keeps its place (file:line:column). */
function firstLine(error: unknown): string {
  const text = messageOf(error);
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  // jiti puts the place of a syntax error on a line of its own: path:line:column.
  const place = lines.slice(1).map((line) => /:(\d+):(\d+)$/.exec(line)).find((m) => m !== null);
  return `${place ? `line ${place[1]}, column ${place[2]}: ` : ''}${lines[0] ?? text}`;
}
