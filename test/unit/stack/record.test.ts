import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startTimeOf } from '../../../src/host/processes.js';
import { leftoversIn, RUN_FILE, RunRecord, takenByLeftover } from '../../../src/stack/record.js';
import { onCleanup } from '../../support/cleanup.js';

const linux = existsSync('/proc/self/stat');

async function folder(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kch-record-'));
  onCleanup(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A process that runs until the test ends. */
async function sleeper(t: TestContext): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  onCleanup(t, () => child.kill('SIGKILL'));
  await new Promise((resolve) => child.once('spawn', resolve));
  return child.pid!;
}

/** The pid of a process that has exited. */
async function gone(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

test('a kch up that still runs: a port of one of its services names it, its services and how to stop it', { skip: !linux && 'needs /proc' }, async (t) => {
  const dir = await folder(t);
  const record = new RunRecord(dir);
  const kafka = await sleeper(t);
  const clickhouse = await sleeper(t);
  record.service('kafka', kafka, [9092, 9093]);
  record.service('clickhouse', clickhouse, [8123]);
  record.service('generator', await sleeper(t), []);
  const leftovers = leftoversIn(dir);
  assert.ok(leftovers);
  assert.equal(leftovers.up?.pid, process.pid);
  const line = takenByLeftover(leftovers, '127.0.0.1', 9093);
  assert.match(line ?? '', new RegExp(`^port 9093 on 127\\.0\\.0\\.1 is taken by kafka \\(pid ${kafka}\\) of a kch up that still runs on this data folder \\(${dir}\\): pid ${process.pid}, started \\S+, with kafka pid ${kafka}, clickhouse pid ${clickhouse}, generator pid \\d+; stop it with Ctrl-C where it runs, or kill ${process.pid} \\(it stops every service, kafka last\\)$`));
  assert.equal(takenByLeftover(leftovers, '127.0.0.1', 3000), undefined, 'a port none of them listens on is someone else\'s');
  record.remove();
  assert.equal(leftoversIn(dir), undefined, 'a clean stop leaves nothing behind');
});

test('a kch up that has ended: the services it left are named, with kill commands, kafka last', { skip: !linux && 'needs /proc' }, async (t) => {
  const dir = await folder(t);
  const [kafka, clickhouse, dead] = [await sleeper(t), await sleeper(t), await gone()];
  const note = {
    pid: dead, startTime: '1', startedAt: '2026-01-01T00:00:00.000Z',
    services: [
      { name: 'kafka', pid: kafka, startTime: startTimeOf(kafka), ports: [9092, 9093] },
      { name: 'clickhouse', pid: clickhouse, startTime: startTimeOf(clickhouse), ports: [8123] },
      { name: 'dashboard', pid: dead, startTime: '1', ports: [3000] },
    ],
  };
  await writeFile(join(dir, RUN_FILE), JSON.stringify(note));
  const leftovers = leftoversIn(dir);
  assert.equal(leftovers?.up, undefined);
  assert.equal(takenByLeftover(leftovers, '127.0.0.1', 9092),
    `port 9092 on 127.0.0.1 is taken by kafka (pid ${kafka}), left running by an earlier kch up on this data folder (${dir}) that has ended: kafka pid ${kafka}, clickhouse pid ${clickhouse} still run; stop them with kill ${clickhouse}, then kill ${kafka} (kafka last)`);
  assert.equal(takenByLeftover(leftovers, '127.0.0.1', 3000), undefined, 'its dashboard is gone: port 3000 is someone else\'s now');
});

test('a pid now given to another program is not taken for ours', { skip: !linux && 'needs /proc' }, async (t) => {
  const dir = await folder(t);
  const other = await sleeper(t);
  // Our own pid and a live one, each noted with a start time that is not theirs.
  await writeFile(join(dir, RUN_FILE), JSON.stringify({
    pid: process.pid, startTime: '1', startedAt: '2026-01-01T00:00:00.000Z',
    services: [{ name: 'kafka', pid: other, startTime: '1', ports: [9092] }],
  }));
  assert.equal(leftoversIn(dir), undefined);
  assert.equal(takenByLeftover(leftoversIn(dir), '127.0.0.1', 9092), undefined);
});

test('no note, or one that does not parse: nothing is ours', async (t) => {
  const dir = await folder(t);
  assert.equal(leftoversIn(dir), undefined);
  await writeFile(join(dir, RUN_FILE), '{"pid": 12');
  assert.equal(leftoversIn(dir), undefined);
});

test('remove() leaves another run\'s note alone', { skip: !linux && 'needs /proc' }, async (t) => {
  const dir = await folder(t);
  const other = await sleeper(t);
  const theirs = { pid: other, startTime: startTimeOf(other), startedAt: '2026-01-01T00:00:00.000Z', services: [] };
  await writeFile(join(dir, RUN_FILE), JSON.stringify(theirs));
  new RunRecord(dir).remove();
  assert.equal(leftoversIn(dir)?.up?.pid, other);
});
