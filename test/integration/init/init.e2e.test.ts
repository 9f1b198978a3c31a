// kch init as a new user runs it, from an empty folder: what it writes, what it refuses, and how
// it says so, on a real broker. Its dead-letter counts are checked against messages made bad on
// purpose; that no consumer group is left behind is asked of the broker itself.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { ensureTopics } from '../../../src/kafka/admin.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { createLogger } from '../../../src/output/log.js';
import { runCli } from '../../support/cli.js';
import { services, uniqueName } from '../../support/env.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka } = services();
const env = { KAFKA_BROKERS: kafka };

async function emptyFolder(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kch-init-'));
  onCleanup(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function produce(topic: string, values: readonly string[], partitions = 1): Promise<void> {
  await ensureTopics(kafka, [{ name: topic, partitions }]);
  if (values.length === 0) return;
  const producer = createProducer({ bootstrap: kafka, clientId: 'init-test', log: createLogger('t', () => undefined) });
  try {
    await producer.send(values.map((value) => ({ topic, value })));
  } finally {
    await producer.close();
  }
}

const reading = (i: number): string => JSON.stringify({
  reading_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  at: `2026-12-05T01:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.250Z`,
  device: `dev-${i % 5}`,
  celsius: 20 + (i % 10) / 4,
  ...(i % 4 === 0 ? {} : { humidity: 40 + (i % 7) }),
});

test('init writes kch.config.ts in an empty folder, counts the dead letters the sample would make, and joins no group', async (t) => {
  const topic = uniqueName('readings');
  const bad = ['{"reading_id": "cut', '[1, 2]', JSON.stringify({ ...JSON.parse(reading(999)) as object, celsius: 'warm' })];
  await produce(topic, [...Array.from({ length: 400 }, (_, i) => reading(i)), ...bad], 3);
  const dir = await emptyFolder(t);

  const dry = await runCli(['init', '--from-topic', topic, '--name', 'readings', '--dry-run'], env, 120_000, dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /403 messages sampled of 403 \(3 partitions\)/);
  assert.match(dry.stdout, /400 of 403 would land in readings, 3 would be dead letters/);
  // Said as the dead-letter table will say it: a cut message and an array are both no JSON object.
  assert.match(dry.stdout, /2 +not a JSON object ClickHouse can read/);
  assert.match(dry.stdout, /1 +celsius must be a number, got the string "warm"/);
  assert.match(dry.stdout, /humidity .* no +100 +0/, 'humidity: optional, absent in a quarter');
  assert.match(dry.stdout, /--- kch\.config\.ts \(dry run: not written\)/);
  await assert.rejects(readFile(join(dir, 'kch.config.ts')), 'a dry run writes nothing');

  const wrote = await runCli(['init', '--from-topic', topic, '--name', 'readings', '--sample', '50'], env, 120_000, dir);
  assert.equal(wrote.code, 0, wrote.stderr);
  assert.match(wrote.stdout, /wrote kch\.config\.ts \(stream readings\); next: kch migrate/);
  const source = await readFile(join(dir, 'kch.config.ts'), 'utf8');
  assert.match(source, /at: field\.timestamp\(\{ precision: 3, timeZone: 'UTC' \}\),/);
  assert.match(source, /humidity: field\.int\('UInt32'\)\.optional\(\),/);
  assert.match(source, /id: 'reading_id',/);

  // The file is read by every command in this folder: status knows the stream.
  const status = await runCli(['status', 'readings', '--clickhouse-url', 'http://127.0.0.1:1', '--window', '0s', '--json'], env, 60_000, dir);
  assert.match(status.stdout, /"name": "readings"/);

  // Again: the stream exists, so nothing is overwritten; a second stream of the topic, under a name
  // of its own, may be added (its own consumer group and tables).
  const again = await runCli(['init', '--from-topic', topic, '--name', 'readings'], env, 120_000, dir);
  assert.equal(again.code, 6);
  assert.match(again.stdout, /kch\.config\.ts already has a stream readings: give another --name/);
  const sameTopic = await runCli(['init', '--from-topic', topic, '--name', 'readings_copy', '--dry-run'], env, 120_000, dir);
  assert.equal(sameTopic.code, 0, sameTopic.stderr);
  assert.match(sameTopic.stdout, new RegExp(`const readings_copy = defineStream\\(\\{\\n  name: 'readings_copy',\\n  topic: '${topic}',`));
  // Another topic is added to the same file, above the marker.
  const other = uniqueName('other');
  await produce(other, Array.from({ length: 10 }, (_, i) => reading(i)));
  const added = await runCli(['init', '--from-topic', other, '--name', 'others'], env, 120_000, dir);
  assert.equal(added.code, 0, added.stderr);
  assert.match(await readFile(join(dir, 'kch.config.ts'), 'utf8'), /readings,\n\s+others,\n\s+\/\/ kch init adds streams above this line/);
  const listed = await runCli(['status', 'others', '--clickhouse-url', 'http://127.0.0.1:1', '--window', '0s', '--json'], env, 60_000, dir);
  assert.match(listed.stdout, /"name": "others"/);

  const admin = new Admin({ clientId: 'init-test', bootstrapBrokers: [kafka] });
  try {
    const groups = await admin.listGroups();
    assert.deepEqual([...groups.keys()].filter((g) => g.startsWith('kch-init')), [], 'no consumer group left behind');
  } finally {
    await admin.close();
  }
});

test('init refuses, with a line saying why and an exit code of its own: no topic, an empty one, no JSON, a file of the user\'s own', async (t) => {
  const dir = await emptyFolder(t);
  const missing = await runCli(['init', '--from-topic', uniqueName('nope')], env, 120_000, dir);
  assert.equal(missing.code, 3, missing.stderr);
  assert.match(missing.stdout, /topic nope_\w+ does not exist at/);

  const empty = uniqueName('empty');
  await produce(empty, []);
  const emptied = await runCli(['init', '--from-topic', empty], env, 120_000, dir);
  assert.equal(emptied.code, 4, emptied.stderr);
  assert.match(emptied.stdout, /is empty/);

  const text = uniqueName('text');
  await produce(text, ['hello', 'world', '42']);
  const notJson = await runCli(['init', '--from-topic', text], env, 120_000, dir);
  assert.equal(notJson.code, 5, notJson.stderr);
  assert.match(notJson.stdout, /none of the 3 messages sampled is a JSON object \(2 not JSON, 1 JSON, but not an object\)/);

  // A sample most of which its own stream would refuse: said loudly, nothing written, unless --force.
  const mostlyBad = uniqueName('mostly_bad');
  await produce(mostlyBad, ['{"qty":1}', '{"qty":"x"}', '{"qty":3}', '{"qty":2}', '{"qty":"z"}']);
  const refused = await runCli(['init', '--from-topic', mostlyBad], env, 120_000, dir);
  assert.equal(refused.code, 7, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /2 of 5 sampled messages \(40 %\) would be dead letters, more than 10 %: nothing written\. .*--force/);
  await assert.rejects(readFile(join(dir, 'kch.config.ts')), 'nothing written');
  const forced = await runCli(['init', '--from-topic', mostlyBad, '--force', '--dry-run'], env, 120_000, dir);
  assert.equal(forced.code, 0, forced.stdout + forced.stderr);

  const mine = 'import { defineConfig, seedStreams } from \'kafka-clickhouse-pipeline\';\nexport default defineConfig({ streams: seedStreams });\n';
  await writeFile(join(dir, 'kch.config.ts'), mine);
  const objects = uniqueName('objects');
  await produce(objects, ['{"a":1}']);
  const own = await runCli(['init', '--from-topic', objects], env, 120_000, dir);
  assert.equal(own.code, 6, own.stderr);
  assert.match(own.stdout, /kch\.config\.ts exists and was not written by kch init, so it is left alone/);
  assert.equal(await readFile(join(dir, 'kch.config.ts'), 'utf8'), mine, 'untouched');
  const paste = await runCli(['init', '--from-topic', objects, '--dry-run'], env, 120_000, dir);
  assert.equal(paste.code, 0, paste.stderr);
  assert.match(paste.stdout, /--- the stream, to paste into kch\.config\.ts and list in its defineConfig/);
  assert.match(paste.stdout, /const objects_\w+ = defineStream\(\{/);
  assert.equal(await readFile(join(dir, 'kch.config.ts'), 'utf8'), mine, 'still untouched');
  for (const result of [missing, emptied, notJson, own]) assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
});
