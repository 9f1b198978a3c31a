/** Writes a run's figures to bench-results/ and regenerates the tables of BENCHMARKS.md. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, relative, resolve } from 'node:path';
import { renderResults, replaceGenerated, type BenchResults } from './report.js';

export type { BenchResults } from './report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export async function writeResults(results: BenchResults): Promise<{ json: string; markdown: string }> {
  const dir = join(root, 'bench-results');
  await mkdir(dir, { recursive: true });
  const stamp = (results.machine?.date ?? new Date().toISOString()).slice(0, 19).replace(/:/g, '-');
  const name = `${stamp}-${results.label}.json`;
  await writeFile(join(dir, name), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = join(root, 'BENCHMARKS.md');
  const current = existsSync(markdown) ? await readFile(markdown, 'utf8') : '# Benchmarks\n';
  await writeFile(markdown, replaceGenerated(current, renderResults(results, `bench-results/${name}`)));
  return { json: `bench-results/${name}`, markdown: 'BENCHMARKS.md' };
}

/**
 * Regenerates the tables of BENCHMARKS.md from a results file already written (after a change to
 * how figures are reported); nothing is measured.
 */
export async function renderStoredResults(file: string): Promise<string> {
  const results = JSON.parse(await readFile(file, 'utf8')) as BenchResults;
  if (typeof results !== 'object' || results === null || !('label' in results)) throw new Error('not a results file of npm run bench');
  const markdown = join(root, 'BENCHMARKS.md');
  const current = existsSync(markdown) ? await readFile(markdown, 'utf8') : '# Benchmarks\n';
  await writeFile(markdown, replaceGenerated(current, renderResults(results, relative(root, resolve(file)))));
  return 'BENCHMARKS.md';
}
