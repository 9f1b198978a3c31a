/**
 * `kch up` ending without its Ctrl-C path: SIGHUP (the terminal closed) and SIGKILL (OOM killer,
 * a crashed shell). Every process of the stack and every port must be gone afterwards, the
 * broker's JVM included, and a following `kch up` on the same data folder must lose nothing.
 * Then: a start that cannot succeed makes `kch up` exit non-zero, at once.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CliProcess, runCli } from '../../support/cli.js';
import { clickhouse, scalar } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';
import { lagOf } from '../faults/fixture.js';

interface Ports { kafka: number; controller: number; clickhouse: number; dashboard: number }

let dataDir = '';
let ports: Ports;
/** Every process any `kch up` of this file started, to stop by PID should a test fail. */
const started = new Set<number>();
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kch-stack-'));
  ports = { kafka: await freePort(), controller: await freePort(), clickhouse: await freePort(), dashboard: await freePort() };
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  for (const pid of started) if (running(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  await rm(dataDir, { recursive: true, force: true });
});

/** Alive and not a zombie (a killed `kch up`'s children are reaped by init, in its own time). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim(); } catch { return '?'; }
}

/** `pid` and everything it started, from /proc, with their command lines. */
function tree(pid: number): Map<number, string> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found = new Map<number, string>();
  const visit = (p: number): void => {
    found.set(p, commandLine(p));
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return found;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Nothing of the stack left: polled, since processes take their clean stop's time. */
async function nothingLeft(processes: Map<number, string>, timeoutMs: number): Promise<void> {
  await pollUntil('every process of the stack to exit', async () => {
    const left = [...processes].filter(([pid]) => running(pid));
    if (left.length) throw new Error(`still running: ${left.map(([pid, cmd]) => `${pid} ${cmd.slice(0, 80)}`).join('; ')}`);
    return true;
  }, timeoutMs, 100);
  await pollUntil('every port of the stack to be free', async () => {
    const taken: number[] = [];
    for (const port of [ports.kafka, ports.controller, ports.clickhouse, ports.dashboard]) if (!(await portFree(port))) taken.push(port);
    if (taken.length) throw new Error(`ports still taken: ${taken.join(', ')}`);
    return true;
  }, 10_000, 100);
}

/** `kch up` on this file's data folder and ports, every setting as a flag; resolves once running. */
async function up(extra: readonly string[]): Promise<CliProcess> {
  const stack = new CliProcess([
    'up',
    '--data-dir', dataDir,
    '--kafka-port', String(ports.kafka), '--kafka-controller-port', String(ports.controller),
    '--clickhouse-port', String(ports.clickhouse), '--dashboard-port', String(ports.dashboard),
    '--kafka-heap', '320m', '--clickhouse-max-memory', '900M',
    ...extra,
  ], { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' });
  started.add(stack.pid);
  cleanups.push(() => stack.stop('SIGINT', 120_000));
  await pollUntil('kch up to report the pipeline running', async () => {
    if (stack.child.exitCode !== null) throw new Error(`kch up exited with ${stack.child.exitCode}:\n${stack.output.slice(-3000)}`);
    return /pipeline running/.test(stack.output) ? true : undefined;
  }, 240_000);
  for (const pid of tree(stack.pid).keys()) started.add(pid);
  return stack;
}

async function rows(): Promise<{ rows: number; ids: number }> {
  const client = clickhouse(`http://127.0.0.1:${ports.clickhouse}`);
  try {
    const [sales, stock] = [await scalar(client, 'SELECT count() FROM sales'), await scalar(client, 'SELECT count() FROM stock_movements')];
    const ids = await scalar(client, 'SELECT (SELECT uniqExact(event_id) FROM sales) + (SELECT uniqExact(event_id) FROM stock_movements)');
    return { rows: sales + stock, ids };
  } finally {
    await client.close();
  }
}

/** Its exit code, once it exited by itself; fails after the deadline. */
async function exitWithin(stack: CliProcess, timeoutMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`kch up did not exit within ${timeoutMs / 1000} s:\n${stack.output.slice(-3000)}`)), timeoutMs); });
  try {
    return await Promise.race([stack.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

function brokerLog(): string {
  try { return readFileSync(join(dataDir, 'kafka', 'logs', 'server.log'), 'utf8'); } catch { return ''; }
}

let beforeHangup = 0;
let beforeKill = 0;

test('SIGHUP (the terminal closed) stops kch up like Ctrl-C: every service cleanly, nothing left', async () => {
  const stack = await up(['--rate', '200']);
  assert.match(stack.output, /heap 320m/, 'kch up passed --kafka-heap on');
  beforeHangup = await pollUntil('rows in ClickHouse', async () => {
    const { rows: n } = await rows();
    return n > 0 ? n : undefined;
  }, 90_000);
  const processes = tree(stack.pid);
  const jvm = [...processes.values()].find((cmd) => cmd.includes('kafka.Kafka'));
  assert.ok(jvm, `the broker's JVM is in the tree: ${[...processes.values()].join('\n')}`);
  assert.match(jvm, /-Xmx320m/);

  const hungUp = performance.now();
  process.kill(stack.pid, 'SIGHUP');
  assert.equal(await exitWithin(stack, 120_000), 0, stack.output.slice(-3000));
  assert.match(stack.output, /SIGHUP received, stopping/);
  assert.match(stack.output, /detached Kafka table/, 'clickhouse took its normal stop path');
  assert.match(stack.output, /Kafka stopped in/, 'the broker had a controlled shutdown');
  assert.match(stack.output, /generated \d+ events acknowledged by Kafka/, 'the generator flushed and said so');
  assert.match(stack.output, /every service stopped/);
  await nothingLeft(processes, 30_000);
  process.stdout.write(`# SIGHUP: ${processes.size} processes stopped in ${((performance.now() - hungUp) / 1000).toFixed(1)} s, ${beforeHangup} rows before\n`);
});

test('SIGKILL of kch up: its services notice, stop cleanly on their own (kafka last), nothing left', async () => {
  const stack = await up(['--rate', '200']);
  const { rows: atStart } = await rows();
  assert.ok(atStart >= beforeHangup, `rows after the SIGHUP restart ${atStart} >= ${beforeHangup} before`);
  // ClickHouse consuming again, so that the kill finds offsets to commit and events in flight.
  beforeKill = await pollUntil('new rows after the restart', async () => {
    const { rows: n } = await rows();
    return n > atStart ? n : undefined;
  }, 90_000);
  await pollUntil('the generator to send events', async () => (/generate .*sent \d+ events/.test(stack.output) ? true : undefined), 60_000);
  const processes = tree(stack.pid);
  const jvm = [...processes].find(([, cmd]) => cmd.includes('kafka.Kafka'))?.[0];
  assert.ok(jvm, 'the broker JVM is in the tree');
  const logBefore = brokerLog().length;

  const killed = performance.now();
  process.kill(stack.pid, 'SIGKILL');
  await exitWithin(stack, 10_000);
  await nothingLeft(processes, 90_000);
  const seconds = ((performance.now() - killed) / 1000).toFixed(1);
  // The JVM was asked (SIGTERM), not killed: a controlled shutdown, written to its log.
  assert.match(brokerLog().slice(logBefore), /Terminating process due to signal SIGTERM/);
  process.stdout.write(`# SIGKILL: ${processes.size} processes stopped in ${seconds} s, ${beforeKill} rows before\n`);
});

test('a kch up on the same data folder afterwards loses nothing and works', async () => {
  const stack = await up(['--no-generate']);
  const { rows: atStart } = await rows();
  assert.ok(atStart >= beforeKill, `rows after the SIGKILL restart ${atStart} >= ${beforeKill} before`);
  // Every event Kafka acknowledged, across both stops, reaches ClickHouse: once each.
  const bootstrap = `127.0.0.1:${ports.kafka}`;
  const settled = await pollUntil('ClickHouse to catch up with Kafka', async () => {
    const { lag, end } = await lagOf(bootstrap, '');
    const counted = await rows();
    return lag === 0 && counted.ids >= end ? { end, ...counted } : undefined;
  }, 150_000, 500);
  assert.equal(settled.ids, settled.end, 'every message in Kafka is in ClickHouse');
  assert.equal(settled.rows, settled.ids, 'clean stops committed what they wrote: no duplicates');

  const env = { KAFKA_BROKERS: bootstrap, CLICKHOUSE_URL: `http://127.0.0.1:${ports.clickhouse}` };
  const verify = await runCli(['verify', '--count', '200', '--timeout', '60s'], env, 120_000);
  assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
  process.stdout.write(`# after both: ${settled.ids} events, all in ClickHouse once; verify --count 200 passed\n`);

  const processes = tree(stack.pid);
  assert.equal(await stack.stop('SIGINT', 120_000), 0, stack.output.slice(-3000));
  await nothingLeft(processes, 30_000);
});

test('kch up refuses a taken Kafka controller port at once, with one clear line', async () => {
  const blocker: Server = createServer();
  const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
  cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
  const began = performance.now();
  const result = await runCli(['up', '--data-dir', join(dataDir, 'unused'), '--kafka-port', String(await freePort()), '--kafka-controller-port', String(port),
    '--clickhouse-port', String(await freePort()), '--dashboard-port', String(await freePort())], { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' }, 30_000);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`port ${port} .*already in use.*--kafka-controller-port`));
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(performance.now() - began < 10_000, 'at once');
});

test('a service failing before it is ready makes kch up stop the others and exit 1, not idle', async () => {
  // A file where the broker's folder should be: kch kafka fails at start, after clickhouse began.
  const broken = join(dataDir, 'broken');
  await mkdir(broken, { recursive: true });
  await writeFile(join(broken, 'kafka'), 'not a folder');
  const began = performance.now();
  const result = await runCli(['up', '--data-dir', broken, '--kafka-port', String(await freePort()), '--kafka-controller-port', String(await freePort()),
    '--clickhouse-port', String(await freePort()), '--dashboard-port', String(await freePort())], { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' }, 60_000);
  const seconds = (performance.now() - began) / 1000;
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /kafka exited with code 1 before it was ready/);
  assert.match(result.stderr, /cannot write the data folder .*kafka/);
  assert.match(result.stderr, /every service stopped/);
  assert.ok(seconds < 45, `exited after ${seconds.toFixed(1)} s`);
  assert.ok(statSync(join(broken, 'kafka')).isFile());
});

test('a generator that reaches its --count under kch up has finished, not crashed: the stack keeps running', async () => {
  const stack = await up(['--count', '300', '--rate', '1000']);
  await pollUntil('the generator to finish', async () => (/generator finished its work/.test(stack.output) ? true : undefined), 60_000);
  assert.doesNotMatch(stack.output, /generator exited with code 0[^\n]*restarting|given up on/);
  assert.equal(stack.child.exitCode, null, 'kch up still runs');
  assert.equal(await stack.stop('SIGINT', 120_000), 0);
});

test('SIGHUP of a kch clickhouse run by hand stops it cleanly, its Kafka tables detached', async () => {
  const port = await freePort();
  const server = new CliProcess(['clickhouse', '--clickhouse-port', String(port)], { KCH_DATA_DIR: dataDir });
  started.add(server.pid);
  cleanups.push(() => server.stop('SIGKILL'));
  await pollUntil('clickhouse ready', async () => {
    if (server.child.exitCode !== null) throw new Error(server.output);
    return /clickhouse ready/.test(server.output) ? true : undefined;
  }, 120_000);
  server.child.kill('SIGHUP');
  assert.equal(await exitWithin(server, 60_000), 0, server.output);
  assert.match(server.output, /SIGHUP received, stopping/);
  assert.match(server.output, /detached Kafka table\(s\) [^\n]*default\.sales_kafka/, 'its consumers committed and stopped');
  assert.match(server.output, /clickhouse stopped/);
});
