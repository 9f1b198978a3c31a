import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createClickHouse } from '../../../src/clickhouse/client.js';
import type { CliProcess } from '../../support/cli.js';
import { runCli } from '../../support/cli.js';
import { remoteClickHouseUrl, services, uniqueName } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';
import { arriving, lagOf, reportFrom, startClickHouse, startVerify, summary } from './fixture.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka } = services();

const root = process.getuid?.() === 0;

/** Writes zeros into `file` until the file system says it is full. */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

interface Scenario {
  readonly env: Record<string, string>;
  readonly prefix: string;
  readonly server: CliProcess;
  readonly verify: CliProcess;
  readonly count: number;
}

async function scenario(t: TestContext, name: string, dataDir: string): Promise<Scenario> {
  const port = await freePort();
  const prefix = `${uniqueName(name)}_`;
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: `http://127.0.0.1:${port}`, KCH_TOPIC_PREFIX: prefix };
  const server = await startClickHouse(dataDir, port);
  onCleanup(t, () => server.stop());
  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  const count = 15_000;
  const verify = startVerify(['--count', String(count), '--rate', '500', '--timeout', '3m'], env);
  onCleanup(t, () => verify.stop());
  await arriving(verify, 1000);
  return { env, prefix, server, verify, count };
}

/** While ClickHouse cannot write: consumption paused, offsets not committed past the written rows. */
async function assertPaused(s: Scenario, pattern: RegExp): Promise<{ committed: number; rows: number; grew: number }> {
  await pollUntil('the Kafka tables\' write error in the service log', async () => (pattern.test(s.server.output) ? true : undefined), 30_000, 250);
  const first = await lagOf(kafka, s.prefix);
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  const second = await lagOf(kafka, s.prefix);
  assert.equal(second.committed, first.committed, 'no offset committed while rows cannot be written');
  assert.ok(second.end > first.end, 'Kafka keeps taking events');
  const client = createClickHouse({ url: s.env.CLICKHOUSE_URL!, user: 'default', password: '', database: 'default' });
  try {
    const [row] = await (await client.query({ query: 'SELECT (SELECT count() FROM sales) + (SELECT count() FROM stock_movements) + (SELECT count() FROM sales_dead_letter) + (SELECT count() FROM warehouse_dead_letter) AS n', format: 'JSONEachRow' })).json<{ n: string }>();
    const rows = Number(row!.n);
    assert.ok(second.committed <= rows, `committed offsets (${second.committed}) never run ahead of the rows written (${rows})`);
    return { committed: second.committed, rows, grew: second.end - first.end };
  } finally {
    await client.close();
  }
}

async function assertRecovered(s: Scenario, fixedAt: number): Promise<Record<string, string | number>> {
  await pollUntil('the Kafka tables writing again', async () => (/writes again after/.test(s.server.output) ? true : undefined), 60_000, 250);
  const resumed = (performance.now() - fixedAt) / 1000;
  assert.equal(await s.verify.exited, 0, s.verify.output.slice(-4000));
  const report = reportFrom(s.verify.output);
  assert.equal(report.lost, 0, `lost: ${report.lostSample.join(', ')}`);
  assert.equal(report.present, s.count);
  await pollUntil('lag 0', async () => ((await lagOf(kafka, s.prefix)).lag === 0 ? true : undefined), 60_000, 250);
  return { 'writing again after the fix (s)': resumed.toFixed(1), lost: report.lost, 'duplicated events': report.duplicated, 'freshness max (s)': (report.freshness.max / 1000).toFixed(1) };
}

test('a full disk under ClickHouse: one clear error, consumption paused with nothing committed, resumes once space is freed', async (t) => {
  if (!root) {
    t.skip('needs root to mount a small tmpfs as the data folder');
    return;
  }
  const mount = await mkdtemp(join(tmpdir(), 'kch-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mount]);
  onCleanup(t, () => { execFileSync('umount', ['-l', mount]); rmSync(mount, { recursive: true, force: true }); });
  const s = await scenario(t, 'diskfull', mount);
  const filler = join(mount, 'filler');
  const filled = fill(filler);
  const paused = await assertPaused(s, /Kafka table default\.\w+_kafka cannot write what it reads: Cannot reserve .*not enough space.*\(NOT_ENOUGH_SPACE\)\. Consumption is paused at the last committed offset .*the disk holding .* is full: free space/);
  assert.doesNotMatch(s.server.output, /\n\s+at /, 'no stack trace');
  assert.match(s.verify.output, /ClickHouse: Kafka table default\.\w+_kafka cannot write what it reads/, 'verify says why events stopped arriving');
  rmSync(filler);
  const facts = await assertRecovered(s, performance.now());
  summary('disk full', { 'filled (MB)': Math.round(filled / 1e6), 'events produced while full (6 s)': paused.grew, ...facts });
});

test('a data folder ClickHouse can no longer write: one clear error, nothing committed, resumes once writable', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kch-readonly-'));
  onCleanup(t, () => rm(dataDir, { recursive: true, force: true }));
  // Root ignores permission bits; the immutable attribute stops even root from creating the
  // part folders of an insert (EPERM), as a read-only remount would (EROFS). Not every file
  // system has it.
  const probe = join(dataDir, 'probe');
  mkdirSync(probe);
  try {
    execFileSync('chattr', ['+i', probe], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', probe], { stdio: 'ignore' });
  } catch {
    t.skip('chattr +i is not available here (needs root and a file system with the immutable attribute)');
    return;
  }
  const s = await scenario(t, 'readonly', dataDir);
  const client = createClickHouse({ url: s.env.CLICKHOUSE_URL!, user: 'default', password: '', database: 'default' });
  const paths = (await (await client.query({ query: "SELECT arrayJoin(data_paths) AS p FROM system.tables WHERE database = 'default' AND engine LIKE '%MergeTree'", format: 'JSONEachRow' })).json<{ p: string }>()).map((r) => r.p);
  await client.close();
  assert.ok(paths.length >= 4);
  const unlock = (): void => { for (const path of paths) execFileSync('chattr', ['-i', path]); };
  for (const path of paths) execFileSync('chattr', ['+i', path]);
  onCleanup(t, () => { try { unlock(); } catch { /* already */ } });
  await assertPaused(s, /Kafka table default\.\w+_kafka cannot write what it reads: .*Operation not permitted.*Consumption is paused at the last committed offset .*ClickHouse cannot write .*: make it writable again/);
  unlock();
  const facts = await assertRecovered(s, performance.now());
  summary('unwritable data folder', facts);
});

test('on ClickHouse 18.16 a block whose insert fails is lost, offsets committed anyway: verify counts the loss', async (t) => {
  const url = remoteClickHouseUrl();
  if (!url) {
    t.skip('Debian clickhouse-server is not installed');
    return;
  }
  const prefix = `${uniqueName('oldfail')}_`;
  const database = prefix.slice(0, -1);
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: url, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: prefix };
  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  const client = createClickHouse({ url, user: 'default', password: '', database: 'default' });
  onCleanup(t, async () => { await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }); await client.close(); });
  const paths = (await (await client.query({ query: `SELECT DISTINCT data_path AS p FROM system.tables WHERE database = '${database}' AND engine LIKE '%MergeTree'`, format: 'JSONEachRow' })).json<{ p: string }>()).map((r) => r.p);
  try {
    for (const path of paths) execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
  } catch {
    t.skip('chattr +i is not available here');
    return;
  }
  const unlock = (): void => { for (const path of paths) execFileSync('chattr', ['-i', path]); };
  onCleanup(t, () => { try { unlock(); } catch { /* already */ } });
  const verify = startVerify(['--count', '2000', '--rate', '500', '--timeout', '15s'], env);
  onCleanup(t, () => verify.stop());
  // Let the consumer read (and commit) while nothing can be written, then make it writable again.
  await pollUntil('offsets committed over unwritten rows', async () => ((await lagOf(kafka, prefix)).committed >= 1000 ? true : undefined), 60_000, 250);
  unlock();
  assert.equal(await verify.exited, 1, verify.output.slice(-3000));
  const report = reportFrom(verify.output);
  const offsets = await lagOf(kafka, prefix);
  assert.ok(report.lost >= 1000, `lost ${report.lost}`);
  assert.equal(offsets.lag, 0, 'everything was committed, written or not');
  summary('18.16, inserts failing', { acknowledged: report.acknowledged, lost: report.lost, committed: offsets.committed });
});
