/**
 * Measurement 5: latency of the dashboard's JSON API with `rows` rows in the target tables. The
 * rows go in by direct insert (repeats of the corpus) into a pipeline of its own; `kch dashboard`
 * runs as users start it; each endpoint that `GET /api` lists is asked 50 times in turn.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { cli, freePort, type Child } from './child.js';
import { REFRESH_MS } from '../dashboard/page/index.js';
import { chunkLines, type Corpus } from './corpus.js';
import { createPipeline, createTopics, dropPipeline, pipelineNamed, query, rowCounts, type Pipeline, type Stack } from './stack.js';
import { distribution, type Distribution } from './stats.js';

export interface DashboardResult {
  readonly measured: boolean;
  readonly reason?: string;
  readonly rows?: number;
  readonly endpoints?: ReadonlyArray<{ readonly path: string; readonly status: number; readonly latencyMs: Distribution | undefined }>;
  readonly overallMs?: Distribution | undefined;
  readonly loadavg?: string;
}

const ROUNDS = 50;

/** `kch dashboard` as users start it, on a free port, over one pipeline of the stack; resolves once it serves. */
export async function launchDashboard(stack: Stack, pipeline: Pipeline): Promise<{ dashboard: Child; base: string }> {
  const port = await freePort();
  const dashboard = cli(['dashboard', '--dashboard-port', String(port), '--clickhouse-url', stack.clickhouseUrl, '--database', pipeline.database,
    '--kafka-brokers', stack.bootstrap, '--topic-prefix', pipeline.topicPrefix, ...(pipeline.configFile ? ['--config', pipeline.configFile] : [])]);
  try {
    await dashboard.waitFor(/dashboard ready/i, 60_000, 'dashboard ready');
  } catch (error) {
    await dashboard.stop();
    throw error;
  }
  return { dashboard, base: `http://127.0.0.1:${port}` };
}

/** What one open page asked of the dashboard while it was open. */
export interface PageLoad {
  readonly refreshes: number;
  /** Requests that got no 200. */
  readonly failed: number;
}

/** The JSON endpoints `GET /api` lists that answer without a parameter (the original demo's among them). */
export async function apiPaths(base: string): Promise<string[]> {
  const listing = await (await fetch(`${base}/api`)).json() as { endpoints: { path: string; parameters: Record<string, { required?: boolean }> }[] };
  return listing.endpoints.filter((e) => e.path.startsWith('/api/') && !Object.values(e.parameters).some((p) => p.required)).map((e) => e.path);
}

/** What the page's script asks every refresh: each declared panel, the cards of streams that declare none, the health and the status. */
export async function pagePaths(base: string): Promise<string[]> {
  const streams = await (await fetch(`${base}/api/stream_fields`)).json() as { name: string; declared: { id: string }[] }[];
  const panels = streams.flatMap((s) => s.declared.map((p) => `/api/panel?stream=${encodeURIComponent(s.name)}&panel=${encodeURIComponent(p.id)}`));
  return [...panels, ...(streams.some((s) => s.declared.length === 0) ? ['/api/streams?hours=6'] : []), '/api/pipeline', '/api/status'];
}

/**
 * One browser tab on the dashboard: every REFRESH_MS it asks what the page's script asks, at
 * once. `close()` waits for the refresh under way; calling it again is harmless.
 */
export async function openPage(base: string): Promise<{ close(): Promise<PageLoad> }> {
  const paths = await pagePaths(base);
  let open = true;
  const closing = new AbortController();
  let refreshes = 0;
  let failed = 0;
  const loop = (async () => {
    while (open) {
      const started = performance.now();
      await Promise.all(paths.map(async (path) => {
        try {
          const response = await fetch(`${base}${path}`);
          await response.arrayBuffer();
          if (response.status !== 200) failed++;
        } catch {
          failed++;
        }
      }));
      refreshes++;
      const wait = REFRESH_MS - (performance.now() - started);
      if (open && wait > 0) await delay(wait, undefined, { signal: closing.signal }).catch(() => undefined);
    }
  })();
  return {
    close: async () => {
      open = false;
      closing.abort();
      await loop;
      return { refreshes, failed };
    },
  };
}

export async function measureDashboard(stack: Stack, corpus: Corpus, rows: number, log: (line: string) => void, loadavg: () => string,
  reuse?: { readonly database: string; readonly rows: number }): Promise<DashboardResult> {
  if (!existsSync(fileURLToPath(new URL('../cli/commands/dashboard.js', import.meta.url)))) {
    return { measured: false, reason: 'not measured: dashboard not yet merged' };
  }
  // The ingest measurement's direct-insert tables when they hold exactly that many rows; else its own.
  const pipeline = reuse && reuse.rows === rows ? pipelineNamed(reuse.database) : pipelineNamed(`bench_dash_${Date.now().toString(36)}`);
  await createTopics(stack, pipeline);
  await createPipeline(stack, pipeline);
  if (!(reuse && reuse.rows === rows)) {
    const repeat = Math.max(1, Math.round(rows / corpus.events));
    for (const file of corpus.files) {
      const chunks = chunkLines(await readFile(file.path), 200_000);
      for (let i = 0; i < repeat; i++) for (const body of chunks) await query(stack.clickhouseUrl, `INSERT INTO ${pipeline.database}.${file.table} FORMAT JSONEachRow`, body);
    }
  }
  const loaded = (await rowCounts(stack, pipeline)).reduce((a, b) => a + b, 0);
  log(`dashboard: ${loaded} rows loaded`);
  let launched: Awaited<ReturnType<typeof launchDashboard>> | undefined;
  try {
    launched = await launchDashboard(stack, pipeline);
    const { base } = launched;
    const paths = await apiPaths(base);
    const load = loadavg();
    const endpoints: Array<{ path: string; status: number; latencyMs: Distribution | undefined }> = [];
    const all: number[] = [];
    for (const path of paths) {
      const times: number[] = [];
      let status = 0;
      await (await fetch(`${base}${path}`)).arrayBuffer(); // warm-up
      for (let i = 0; i < ROUNDS; i++) {
        const t = performance.now();
        const response = await fetch(`${base}${path}`);
        await response.arrayBuffer();
        times.push(performance.now() - t);
        status = response.status;
      }
      all.push(...times);
      endpoints.push({ path, status, latencyMs: distribution(times) });
      log(`dashboard ${path}: p50 ${distribution(times)?.p50.toFixed(1)} ms, p99 ${distribution(times)?.p99.toFixed(1)} ms (HTTP ${status})`);
    }
    return { measured: true, rows: loaded, endpoints, overallMs: distribution(all), loadavg: load };
  } catch (error) {
    return { measured: false, reason: `not measured: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    await launched?.dashboard.stop();
    await dropPipeline(stack, pipeline);
  }
}
