import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { readPidFile, renderJavaLog4j2 } from '../../../src/host/java-process.js';

/** Beyond any pid the kernel hands out: never a live process. */
const GONE = 2 ** 30;

async function pidFileIn(t: TestContext, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kch-pid-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'service.pid');
  await writeFile(file, text);
  return file;
}

test('a pid file naming no live process is removed and names no holder', async (t) => {
  const file = await pidFileIn(t, `${GONE} ${process.pid}\n`);
  assert.equal(await readPidFile(file, 'node'), undefined);
  assert.equal(existsSync(file), false);
  assert.equal(await readPidFile(join(file, 'missing'), 'node'), undefined);
});

test('a pid file naming a live process of another program is stale: a reused pid', async (t) => {
  const file = await pidFileIn(t, `${process.pid} ${process.pid}\n`);
  assert.equal(await readPidFile(file, 'org.example.NotThisProgram'), undefined);
  assert.equal(existsSync(file), false);
});

test('a live holder is named, with the kch that started it only when that one is gone', async (t) => {
  const running = await pidFileIn(t, `${process.pid} ${process.pid}\n`);
  assert.deepEqual(await readPidFile(running, process.argv0), { pid: process.pid });
  const orphaned = await pidFileIn(t, `${process.pid} ${GONE}\n`);
  assert.deepEqual(await readPidFile(orphaned, process.argv0), { pid: process.pid, goneOwner: GONE });
  assert.equal(existsSync(orphaned), true, 'the holder\'s pid file stays');
});

test('the JVM log configuration writes to the given file, escaped, and holds the service\'s own loggers', () => {
  const xml = renderJavaLog4j2('/data/a&b/x.log', '\n    <Logger name="org.example" level="WARN"/>\n');
  assert.match(xml, /fileName="\/data\/a&amp;b\/x\.log"/);
  assert.match(xml, /<\/Root>\n    <Logger name="org.example" level="WARN"\/>\n  <\/Loggers>/);
  assert.match(xml, /<ThresholdFilter level="WARN"/);
});
