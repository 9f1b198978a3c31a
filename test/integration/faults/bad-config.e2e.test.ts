/**
 * Configuration mistakes: each is one clear line on stderr, a non-zero exit, and no stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { cliPath, runCli, type CliResult } from '../../support/cli.js';
import { services, uniqueName } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { startClickHouse } from './fixture.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();

const scratch = mkdtempSync(join(tmpdir(), 'kch-badconfig-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Exactly one line on stderr, `kch <command>: …` matching `message`, no stack, the exit code. */
function assertOneLine(result: CliResult, command: string, message: RegExp, code = 1): void {
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(result.code, code, result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at |unexpected error/, 'no stack trace');
  assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, new RegExp(`^kch ${command}: ${message.source}`));
}

async function takenPort(t: TestContext): Promise<{ port: number; server: Server }> {
  const server = createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  onCleanup(t, () => new Promise((resolve) => server.close(resolve)));
  return { port, server };
}

/** Runs the CLI as another program would, with exactly this environment (PATH included). */
function runWith(args: readonly string[], env: NodeJS.ProcessEnv, prefix: readonly string[] = []): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [command, ...rest] = prefix.length ? prefix : [process.execPath];
    const child = spawn(command!, [...rest, ...(prefix.length ? [process.execPath] : []), cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('a malformed broker address', async () => {
  assertOneLine(await runCli(['generate', '--kafka-brokers', 'kafka'], {}), 'generate',
    /bad Kafka broker address "kafka": expected host:port, e\.g\. 127\.0\.0\.1:9092/, 2);
});

test('a broker address where no Kafka answers', async (t) => {
  const database = uniqueName('badbroker');
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: `${database}_` };
  assert.equal((await runCli(['migrate'], env)).code, 0);
  onCleanup(t, () => runCli(['query', `DROP DATABASE IF EXISTS ${database}`], env));
  const port = await freePort();
  assertOneLine(await runCli(['verify', '--count', '10', '--timeout', '3s'], { ...env, KAFKA_BROKERS: `127.0.0.1:${port}` }), 'verify',
    new RegExp(`Kafka at 127\\.0\\.0\\.1:${port} did not answer within 3 s \\(.*ECONNREFUSED.*\\)`));
});

test('a ClickHouse URL where nothing answers, and one that is no URL', async () => {
  const port = await freePort();
  assertOneLine(await runCli(['query', 'SELECT 1'], { CLICKHOUSE_URL: `http://127.0.0.1:${port}` }), 'query',
    new RegExp(`cannot reach ClickHouse at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); start it with \`kch clickhouse\` or point --clickhouse-url at a running server`));
  assertOneLine(await runCli(['query', 'SELECT 1'], { CLICKHOUSE_URL: 'ch.example:8123' }), 'query', /--clickhouse-url must be an http:\/\/ or https:\/\/ URL such as http:\/\/127\.0\.0\.1:8123, got "ch\.example:8123"/, 2);
});

test('a wrong ClickHouse password (the server reads its own from CLICKHOUSE_PASSWORD_FILE)', async (t) => {
  const secret = join(scratch, 'ch-password');
  writeFileSync(secret, 'right horse battery\n', { mode: 0o600 });
  const port = await freePort();
  const server = await startClickHouse(join(scratch, 'auth'), port, { CLICKHOUSE_PASSWORD_FILE: secret });
  onCleanup(t, () => server.stop());
  const url = `http://127.0.0.1:${port}`;
  assertOneLine(await runCli(['query', 'SELECT 1'], { CLICKHOUSE_URL: url, CLICKHOUSE_PASSWORD: 'wrong' }), 'query',
    /ClickHouse at http:\/\/127\.0\.0\.1:\d+ refused user "default": .* Check --clickhouse-user and CLICKHOUSE_PASSWORD\./);
  const right = await runCli(['query', 'SELECT 42 AS answer', '--format', 'TSV'], { CLICKHOUSE_URL: url, CLICKHOUSE_PASSWORD_FILE: secret });
  assert.equal(right.stdout, '42\n', right.stderr);
  assert.doesNotMatch(server.output, /right horse battery/, 'the password is never logged');
});

test('no Java on PATH', async () => {
  const [port, controller] = [await freePort(), await freePort()];
  const env = { PATH: join(scratch, 'empty-bin'), KCH_DATA_DIR: join(scratch, 'nojava') };
  assertOneLine(await runWith(['kafka', '--kafka-port', String(port), '--kafka-controller-port', String(controller)], env), 'kafka',
    /java is not on PATH: the local Kafka broker needs it; install a JDK 17 or newer/);
});

test('no Maven on PATH when the broker\'s jars must be fetched', async () => {
  const bin = join(scratch, 'java-only');
  mkdirSync(bin, { recursive: true });
  const { execFileSync } = await import('node:child_process');
  symlinkSync(execFileSync('sh', ['-c', 'readlink -f "$(command -v java)"']).toString().trim(), join(bin, 'java'));
  const [port, controller] = [await freePort(), await freePort()];
  const env = { PATH: bin, KCH_DATA_DIR: join(scratch, 'nomvn'), KCH_CACHE_DIR: join(scratch, 'empty-cache') };
  assertOneLine(await runWith(['kafka', '--kafka-port', String(port), '--kafka-controller-port', String(controller)], env), 'kafka',
    /mvn \(Apache Maven\) is not on PATH: it is needed once, to fetch the Kafka broker's jars/);
});

test('a port already taken, for ClickHouse and for Kafka', async (t) => {
  const { port } = await takenPort(t);
  assertOneLine(await runCli(['clickhouse', '--clickhouse-port', String(port)], { KCH_DATA_DIR: join(scratch, 'taken') }), 'clickhouse',
    new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; stop what holds it or choose another with --clickhouse-port`));
  assertOneLine(await runCli(['kafka', '--kafka-port', String(port), '--kafka-controller-port', String(await freePort())], { KCH_DATA_DIR: join(scratch, 'taken') }), 'kafka',
    new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with --kafka-port`));
});

test('a data folder without write permission', async (t) => {
  const dir = join(scratch, 'readonly-data');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o555);
  // Root ignores permission bits: run the CLI as nobody, as an unprivileged user would.
  const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
  if (asUser.length && !(await runWith(['--version'], { PATH: process.env.PATH }, asUser).then((r) => r.code === 0, () => false))) {
    t.skip('cannot run the CLI as nobody here (setpriv missing, or the checkout is not readable by others)');
    return;
  }
  const env = { PATH: process.env.PATH, KCH_DATA_DIR: dir, KCH_CACHE_DIR: join(scratch, 'cache-unused') };
  assertOneLine(await runWith(['clickhouse', '--clickhouse-port', String(await freePort())], env, asUser), 'clickhouse',
    new RegExp(`cannot use ${dir}/clickhouse for ClickHouse data: permission denied; choose another folder with --data-dir`));
  assertOneLine(await runWith(['kafka', '--kafka-port', String(await freePort()), '--kafka-controller-port', String(await freePort())], env, asUser), 'kafka',
    new RegExp(`cannot write the data folder ${dir}/kafka \\(EACCES\\); choose another with --data-dir`));
});
