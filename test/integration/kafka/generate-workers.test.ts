/** `kch generate` on several threads: every event counted is in Kafka once, ids never repeat. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listEndOffsets } from '../../../src/kafka/admin.js';
import { CliProcess, runCli } from '../../support/cli.js';
import { services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { readTopic } from '../ops/support.js';

test('generate --workers 3: the count is split, acknowledged exactly, no event id repeats, one catalog', { timeout: 180_000 }, async () => {
  const { kafka } = services();
  const prefix = `${uniqueName('gw')}_`;
  const result = await runCli(['generate', '--kafka-brokers', kafka, '--rate', 'max', '--count', '30001', '--workers', '3', '--seed', '7', '--topic-prefix', prefix]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /on 3 threads/);
  const summary = /generated (\d+) events acknowledged by Kafka \(([^)]*)\)/.exec(result.stdout);
  assert.ok(summary, result.stdout);
  assert.equal(Number(summary[1]), 30001);

  const topics = [`${prefix}sales`, `${prefix}warehouse`];
  const offsets = await listEndOffsets(kafka, topics);
  let inKafka = 0;
  for (const topic of topics) {
    const reported: number = Number(new RegExp(`${topic} (\\d+)`).exec(summary[2] ?? "")?.[1]);
    const end = [...(offsets.get(topic)?.values() ?? [])].reduce((a, b) => a + Number(b), 0);
    assert.equal(end, reported, `${topic}: end offset = acknowledged`);
    inKafka += end;
  }
  assert.equal(inKafka, 30001);

  // Read everything back: three seeds, three sequences, no shared event_id.
  // The catalog is the run's seed's in every thread: one name per product.
  const ids = new Set<string>();
  const names = new Map<number, Set<string>>();
  for (const topic of topics) {
    const count = [...(offsets.get(topic)?.values() ?? [])].reduce((a, b) => a + Number(b), 0);
    for (const message of await readTopic(kafka, topic, count)) {
      const event = JSON.parse(message.value.toString()) as { event_id: string; product_id: number; product_name: string };
      ids.add(event.event_id);
      names.set(event.product_id, (names.get(event.product_id) ?? new Set()).add(event.product_name));
    }
  }
  for (const [id, seen] of names) assert.equal(seen.size, 1, `product ${id} has one name, got ${[...seen].join(', ')}`);
  assert.equal(ids.size, 30001, 'every event id is unique across the threads');
});

test('generate with threads stops on Ctrl-C, waits for what is in flight, and counts it', { timeout: 120_000 }, async () => {
  const { kafka } = services();
  const prefix = `${uniqueName('gws')}_`;
  const run = new CliProcess(['generate', '--kafka-brokers', kafka, '--rate', '100000', '--workers', '2', '--topic-prefix', prefix]);
  await pollUntil('a progress line', async () => (/sent \d+ events/.test(run.output) ? true : undefined));
  process.kill(run.pid, 'SIGINT');
  assert.equal(await run.exited, 0, run.output);
  const summary = /generated (\d+) events acknowledged by Kafka/.exec(run.output);
  assert.ok(summary, run.output);
  const offsets = await listEndOffsets(kafka, [`${prefix}sales`, `${prefix}warehouse`]);
  let inKafka = 0;
  for (const partitions of offsets.values()) for (const end of partitions.values()) inKafka += Number(end);
  assert.equal(inKafka, Number(summary[1]), 'acknowledged = in Kafka');
});

test('generate refuses --workers that make no sense, without a stack trace', async () => {
  const { kafka } = services();
  for (const [args, message] of [
    [['--workers', '0'], /--workers must be auto or a whole number/],
    [['--workers', 'many'], /--workers must be auto or a whole number/],
    [['--workers', '2', '--rate', 'seed'], /--workers above 1 needs --rate max or a number/],
  ] as const) {
    const result = await runCli(['generate', '--kafka-brokers', kafka, '--count', '1', ...args]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  }
});
