/**
 * `kch up` ending without its Ctrl-C path: SIGHUP (the terminal closed), SIGKILL (OOM killer,
 * a crashed shell) and the end of its parent (SIGTERM to `npm start`). Every process of the stack
 * and every port must be gone afterwards, the broker's JVM included, and a following `kch up` on
 * the same data folder must lose nothing. Then: a start that cannot succeed makes `kch up` exit
 * non-zero, at once, and one that finds our own services of an earlier run on its ports names them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { CliProcess, cliPath, runCli } from '../../support/cli.js';
import { clickhouse, scalar } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';
import { lagOf } from '../faults/fixture.js';
import { onCleanup } from '../../support/cleanup.js';

interface Ports { kafka: number; controller: number; clickhouse: number; dashboard: number }

let dataDir = '';
let ports: Ports;
/** Every process any `kch up` of this file started, to stop by PID should a test fail. */
const started = new Set<number>();

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kch-stack-'));
  ports = { kafka: await freePort(), controller: await freePort(), clickhouse: await freePort(), dashboard: await freePort() };
});

after(async () => {
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

/** `kch up`'s arguments on this file's data folder and ports, every setting as a flag. */
function upArgs(extra: readonly string[]): string[] {
  return [
    'up',
    '--data-dir', dataDir,
    '--kafka-port', String(ports.kafka), '--kafka-controller-port', String(ports.controller),
    '--clickhouse-port', String(ports.clickhouse), '--dashboard-port', String(ports.dashboard),
    '--kafka-heap', '320m', '--clickhouse-max-memory', '900M',
    ...extra,
  ];
}

/** `kch up` on this file's data folder and ports; resolves once running. */
async function up(t: TestContext, extra: readonly string[]): Promise<CliProcess> {
  const stack = new CliProcess(upArgs(extra), { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' });
  started.add(stack.pid);
  onCleanup(t, () => stack.stop('SIGINT', 120_000));
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

test('SIGHUP (the terminal closed) stops kch up like Ctrl-C: every service cleanly, nothing left', async (t) => {
  const stack = await up(t, ['--rate', '200']);
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

test('SIGKILL of kch up: its services notice, stop cleanly on their own (kafka last), nothing left', async (t) => {
  const stack = await up(t, ['--rate', '200']);
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

test('a kch up on the same data folder afterwards loses nothing and works', async (t) => {
  const stack = await up(t, ['--no-generate']);
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

test('kch up refuses a taken Kafka controller port at once, with one clear line', async (t) => {
  const blocker: Server = createServer();
  const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
  onCleanup(t, () => new Promise((resolve) => blocker.close(resolve)));
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

test('a generator that reaches its --count under kch up has finished, not crashed: the stack keeps running', async (t) => {
  const stack = await up(t, ['--count', '300', '--rate', '1000']);
  await pollUntil('the generator to finish', async () => (/generator finished its work/.test(stack.output) ? true : undefined), 60_000);
  assert.doesNotMatch(stack.output, /generator exited with code 0[^\n]*restarting|given up on/);
  assert.equal(stack.child.exitCode, null, 'kch up still runs');
  assert.equal(await stack.stop('SIGINT', 120_000), 0);
});

test('SIGHUP of a kch clickhouse run by hand stops it cleanly, its Kafka tables detached', async (t) => {
  const port = await freePort();
  const server = new CliProcess(['clickhouse', '--clickhouse-port', String(port)], { KCH_DATA_DIR: dataDir });
  started.add(server.pid);
  onCleanup(t, () => server.stop('SIGKILL'));
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

/** The pid of `kch <command>` among `processes` (the tree of a kch up). */
function service(processes: Map<number, string>, command: string): number {
  const pid = [...processes].find(([, cmd]) => new RegExp(`main\\.js ${command}( |$)`).test(cmd))?.[0];
  assert.ok(pid, `kch ${command} in the tree: ${[...processes.values()].join('\n')}`);
  return pid;
}

const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('SIGTERM to npm start (what a process manager sends) stops kch up and every service, kafka last, nothing left', async (t) => {
  // npm runs the start script as npm -> sh -c -> node; the SIGTERM reaches the sh, not kch up.
  const root = dirname(dirname(dirname(cliPath)));
  const npm = spawn('npm', ['start', '--', ...upArgs(['--rate', '200']).slice(1)], {
    cwd: root, env: { ...process.env, KAFKA_BROKERS: '', CLICKHOUSE_URL: '', npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  npm.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  started.add(npm.pid!);
  onCleanup(t, async () => { if (running(npm.pid!)) npm.kill('SIGKILL'); });
  await pollUntil('npm start to report the pipeline running', async () => {
    if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}:\n${output.slice(-3000)}`);
    return /pipeline running/.test(output) ? true : undefined;
  }, 240_000);
  const processes = tree(npm.pid!);
  for (const pid of processes.keys()) started.add(pid);
  const kchUp = service(processes, 'up');
  assert.ok([...processes.values()].some((cmd) => cmd.includes('kafka.Kafka')), 'the broker JVM is in the tree');

  const terminated = performance.now();
  npm.kill('SIGTERM');
  await nothingLeft(processes, 120_000);
  const seconds = ((performance.now() - terminated) / 1000).toFixed(1);
  assert.match(output, /the process that started kch up \(pid \d+\) has exited: stopping every service/);
  assert.match(output, /detached Kafka table/, 'clickhouse took its normal stop path');
  assert.match(output, /Kafka stopped in/, 'the broker had a controlled shutdown');
  assert.ok(output.indexOf('stopping kafka') > output.indexOf('stopping clickhouse'), 'kafka stopped last');
  assert.match(output, /every service stopped/);
  assert.equal(running(kchUp), false);
  process.stdout.write(`# SIGTERM to npm: ${processes.size} processes stopped in ${seconds} s\n`);
});

test('a start on ports our own earlier kch up holds names it and how to stop it; so for services it left', async (t) => {
  const first = await up(t, ['--no-generate']);
  const processes = tree(first.pid);
  const [kafka, clickhouse] = [service(processes, 'kafka'), service(processes, 'clickhouse')];
  const env = { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' };

  // Still running, say in another terminal.
  const again = await runCli(upArgs([]), env, 30_000);
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stderr, new RegExp(`^kch up: port ${ports.kafka} on 127\\.0\\.0\\.1 is taken by kafka \\(pid ${kafka}\\) of a kch up that still runs on this data folder \\(${literal(dataDir)}\\): pid ${first.pid}, started [^,]+, with kafka pid ${kafka}, clickhouse pid ${clickhouse}, dashboard pid \\d+; stop it with Ctrl-C where it runs, or kill ${first.pid} \\(it stops every service, kafka last\\)\\n$`));
  assert.doesNotMatch(again.stderr, /choose another/);

  // Left behind: kch up killed while its clickhouse is frozen, so that the clickhouse and the kafka
  // waiting for it outlive kch up.
  process.kill(clickhouse, 'SIGSTOP');
  onCleanup(t, async () => { if (running(clickhouse)) process.kill(clickhouse, 'SIGCONT'); });
  process.kill(first.pid, 'SIGKILL');
  await exitWithin(first, 10_000);
  const left = await runCli(upArgs([]), env, 30_000);
  assert.equal(left.code, 1, left.stderr);
  assert.match(left.stderr, new RegExp(`^kch up: port ${ports.kafka} on 127\\.0\\.0\\.1 is taken by kafka \\(pid ${kafka}\\), left running by an earlier kch up on this data folder \\(${literal(dataDir)}\\) that has ended: [^;]*clickhouse pid ${clickhouse}[^;]* still run; stop them with kill [\\d ]*\\b${clickhouse}\\b[\\d ]*, then kill ${kafka} \\(kafka last\\)\\n$`));

  // Let go, it stops by itself, and kafka after it.
  process.kill(clickhouse, 'SIGCONT');
  await nothingLeft(processes, 120_000);
});
