/**
 * Measurement 6: `kch up` (what `npm start` runs) to the first row queryable in `sales`, with its
 * default generator pace. Cold: empty data folder and empty jar cache (Maven's own repository
 * stays as it is: say which). Warm: jars cached, empty data folder. Restart: the warm run's data
 * folder again, until a row newer than the ones it had.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { cli, freePort } from './child.js';
import { treeUsage } from './procfs.js';

export interface StartupRow {
  readonly kind: 'cold' | 'warm' | 'restart';
  /** `kch up` printed "pipeline running". */
  readonly readySeconds: number | undefined;
  readonly firstRowSeconds: number | undefined;
  /** RSS of the whole `kch up` tree 10 s after the first row (seed pace: idle). */
  readonly idleRssBytes: number | undefined;
  readonly loadavg: string;
}

export interface StartupResult {
  readonly mavenRepository: string;
  readonly rows: readonly StartupRow[];
}

type Ports = readonly [kafka: number, controller: number, clickhouse: number, dashboard: number];

async function freePorts(): Promise<Ports> {
  return [await freePort(), await freePort(), await freePort(), await freePort()];
}

/**
 * One `kch up`. A restart must reuse the ports: the Kafka tables keep the broker address they
 * were created with (`kch migrate` reports the difference but does not change the tables).
 */
async function once(kind: StartupRow['kind'], dataDir: string, cacheDir: string, rowsBefore: number, loadavg: () => string, log: (line: string) => void,
  ports: Ports): Promise<{ row: StartupRow; rows: number }> {
  const load = loadavg();
  const [kafkaPort, controllerPort, clickhousePort, dashboardPort] = ports;
  const url = `http://127.0.0.1:${clickhousePort}`;
  const up = cli(['up', '--kafka-port', String(kafkaPort), '--clickhouse-port', String(clickhousePort), '--data-dir', dataDir, '--cache-dir', cacheDir],
    { KAFKA_CONTROLLER_PORT: String(controllerPort), DASHBOARD_PORT: String(dashboardPort) });
  const started = up.startedAt;
  let readySeconds: number | undefined;
  let firstRowSeconds: number | undefined;
  let rows = rowsBefore;
  const deadline = started + 300_000;
  try {
    while (performance.now() < deadline && up.running) {
      if (readySeconds === undefined && /pipeline running/.test(up.output)) readySeconds = (performance.now() - started) / 1000;
      try {
        const response = await fetch(`${url}/?query=${encodeURIComponent('SELECT count() FROM default.sales')}`);
        if (response.ok) {
          const count = Number((await response.text()).trim());
          if (count > rowsBefore) { firstRowSeconds = (performance.now() - started) / 1000; rows = count; break; }
        } else {
          await response.body?.cancel();
        }
      } catch {
        // not listening yet
      }
      await delay(100);
    }
    readySeconds ??= /pipeline running \(ready in ([\d.]+) s\)/.exec(up.output) ? (performance.now() - started) / 1000 : undefined;
    let idleRssBytes: number | undefined;
    if (firstRowSeconds !== undefined) {
      await delay(10_000);
      idleRssBytes = treeUsage(up.pid).rssBytes;
      try {
        rows = Number((await (await fetch(`${url}/?query=${encodeURIComponent('SELECT count() FROM default.sales')}`)).text()).trim());
      } catch { /* keep the count seen */ }
    } else {
      log(`startup ${kind}: no row within the time; output:\n${up.output.slice(-2000)}`);
    }
    log(`startup ${kind}: ready ${readySeconds?.toFixed(1)} s, first row ${firstRowSeconds?.toFixed(1)} s`);
    return { row: { kind, readySeconds, firstRowSeconds, idleRssBytes, loadavg: load }, rows };
  } finally {
    await up.stop('SIGTERM', 120_000);
  }
}

export async function measureStartup(log: (line: string) => void, loadavg: () => string, quick: boolean): Promise<StartupResult> {
  const dir = await mkdtemp(join(tmpdir(), 'kch-bench-start-'));
  const mavenRepo = join(homedir(), '.m2', 'repository', 'org', 'apache', 'kafka');
  const mavenRepository = existsSync(mavenRepo) ? 'warm (~/.m2 already holds the Kafka jars: no download)' : 'empty (jars downloaded from Maven Central)';
  try {
    const cache = join(dir, 'cache');
    const rows: StartupRow[] = [];
    const cold = await once('cold', join(dir, 'cold'), cache, 0, loadavg, log, await freePorts());
    rows.push(cold.row);
    const warmPorts = await freePorts();
    const warm = await once('warm', join(dir, 'warm'), cache, 0, loadavg, log, warmPorts);
    rows.push(warm.row);
    if (!quick) {
      const restart = await once('restart', join(dir, 'warm'), cache, warm.rows, loadavg, log, warmPorts);
      rows.push(restart.row);
    }
    return { mavenRepository, rows };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
