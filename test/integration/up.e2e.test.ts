import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CliProcess, runCli } from '../support/cli.js';
import { clickhouse, scalar } from '../support/env.js';
import { freePort } from '../support/ports.js';
import { pollUntil } from '../support/wait.js';
import { onCleanup } from '../support/cleanup.js';


function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

test('kch up starts every service, rows arrive, and Ctrl-C leaves nothing running', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kch-up-'));
  onCleanup(t, () => rm(dataDir, { recursive: true, force: true }));
  const ports = { kafka: await freePort(), controller: await freePort(), clickhouse: await freePort(), dashboard: await freePort() };
  const up = new CliProcess(['up', '--rate', '200'], {
    KCH_DATA_DIR: dataDir,
    KAFKA_PORT: String(ports.kafka),
    KAFKA_CONTROLLER_PORT: String(ports.controller),
    CLICKHOUSE_PORT: String(ports.clickhouse),
    DASHBOARD_PORT: String(ports.dashboard),
    KAFKA_BROKERS: '', CLICKHOUSE_URL: '',
  });
  onCleanup(t, () => up.stop('SIGKILL'));
  await pollUntil('kch up to report the pipeline running', async () => {
    if (up.child.exitCode !== null) throw new Error(`kch up exited:\n${up.output}`);
    return /pipeline running/.test(up.output) ? true : undefined;
  }, 240_000);
  assert.match(up.output, new RegExp(`kafka\\s+127\\.0\\.0\\.1:${ports.kafka}`));
  assert.match(up.output, new RegExp(`clickhouse\\s+http://127\\.0\\.0\\.1:${ports.clickhouse}`));
  const pids = [...up.output.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
  assert.ok(pids.length >= 3, `service pids in the summary: ${pids.join(', ')}`);

  const client = clickhouse(`http://127.0.0.1:${ports.clickhouse}`);
  await pollUntil('rows in sales', async () => ((await scalar(client, 'SELECT count() FROM sales')) > 0 ? true : undefined), 60_000);
  await client.close();

  assert.match(up.output, new RegExp(`dashboard\\s+http://127\\.0\\.0\\.1:${ports.dashboard}/`));
  const status = await pollUntil('the dashboard to see data', async () => {
    const body = await (await fetch(`http://127.0.0.1:${ports.dashboard}/api/status`)).json() as { status: string };
    return body.status === 'ready' ? body : undefined;
  }, 60_000);
  assert.equal(status.status, 'ready');

  const query = await runCli(['query', 'SELECT count() > 0 AS has_rows FROM stock_movements'], { CLICKHOUSE_URL: `http://127.0.0.1:${ports.clickhouse}` });
  assert.equal(query.code, 0, query.stderr);
  assert.match(query.stdout, /has_rows/);

  assert.equal(await up.stop('SIGINT', 120_000), 0, up.output);
  assert.match(up.output, /every service stopped/);
  for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} still running`);
  for (const port of Object.values(ports)) assert.equal(await portFree(port), true, `port ${port} still taken`);
});

test('kch up refuses a taken port with one clear line', async (t) => {
  const blocker = createServer();
  const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
  onCleanup(t, () => new Promise((resolve) => blocker.close(resolve)));
  const result = await runCli(['up'], { KAFKA_PORT: String(port), KAFKA_BROKERS: '', CLICKHOUSE_URL: '', KCH_DATA_DIR: join(tmpdir(), 'kch-unused') });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`port ${port} .*already in use.*--kafka-port`));
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
});
