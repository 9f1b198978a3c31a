// `npm test`: compiles the tests, starts the shared services (a real Kafka broker, the embedded
// ClickHouse, Debian's ClickHouse server when installed), runs every test file with node's
// test runner, and stops every process it started.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// The dashboard page's browser modules have a program of their own (the DOM's types): compiled
// beside the tested sources, where the dashboard serves them from.
// Compiled anew each time: a test whose source was moved or deleted must not run from an old copy.
rmSync(join(root, 'dist-test'), { recursive: true, force: true });
for (const args of [['-p', 'tsconfig.test.json'], ['-p', 'tsconfig.page.json', '--outDir', 'dist-test/src']]) {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), ...args], { stdio: 'inherit', cwd: root });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out.sort();
}

const only = process.argv.slice(2);
const all = testFiles(join(root, 'dist-test/test'));
const files = only.length ? all.filter((f) => only.some((o) => f.includes(o))) : all;
const needsServices = files.some((f) => f.includes('/integration/'));

const { startHarness } = await import(join(root, 'dist-test/test/support/harness.js'));
const log = (line) => process.stdout.write(`[test] ${line}\n`);
const harness = needsServices ? await startHarness(log) : { env: {}, stop: async () => {} };

let stopping = false;
const stop = async () => { if (!stopping) { stopping = true; await harness.stop(); } };
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { void stop().then(() => process.exit(130)); });

const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    env: { ...process.env, ...harness.env },
  });
  child.on('exit', (c) => resolve(c ?? 1));
});
await stop();
process.exit(code);
