// Pipelines of one's own, as a user runs them: events of three shapes unlike the seed's on their
// own topics; `kch init --from-topic` infers each stream from a sample; `kch migrate` makes its
// objects; the sample lands as rows, malformed messages as dead letters naming the field;
// `kch generate` makes events that are all valid; `kch verify` accounts for every event.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureTopics } from '../../../src/kafka/admin.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { createLogger } from '../../../src/output/log.js';
import type { VerifyReport } from '../../../src/verify/report.js';
import { runCli } from '../../support/cli.js';
import { clickhouse, scalar, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();

/** A seeded PRNG, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Shape {
  readonly name: string;
  /** A valid message, the i-th of the sample. */
  readonly make: (i: number, next: () => number) => Record<string, unknown>;
  /** Malformed messages, each with a word its dead letter's reason must contain. */
  readonly malformed: readonly { readonly value: string; readonly reason: RegExp }[];
  /** A column of the target and what the first sample message put there. */
  readonly column: { readonly name: string; readonly value: (first: Record<string, unknown>) => string };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const base = Date.UTC(2026, 11, 1, 8, 0, 0);
const countries = ['DE', 'FR', 'NL', 'PL', 'SE'];

const shapes: readonly Shape[] = [
  {
    // Web clicks: nested objects (one with an optional member) and an array of strings.
    name: 'clicks',
    make: (i, next) => ({
      click_id: randomUUID(),
      ts: iso(base + i * 1000 + Math.floor(next() * 1000)),
      page: { path: `/p/${Math.floor(next() * 40)}`, referrer: next() < 0.3 ? null : `https://example.org/${i % 7}` },
      user: { id: 1000 + Math.floor(next() * 5000), country: countries[i % countries.length] },
      tags: Array.from({ length: Math.floor(next() * 4) }, (_, k) => `t${k}`),
      duration_ms: Math.floor(next() * 60_000),
    }),
    malformed: [
      { value: '{"click_id": "not json', reason: /JSON/i },
      { value: JSON.stringify({ click_id: randomUUID(), ts: iso(base), page: '/home', user: { id: 1, country: 'DE' }, tags: [], duration_ms: 5 }), reason: /page/ },
      { value: JSON.stringify({ click_id: randomUUID(), ts: iso(base), page: { path: '/x', referrer: null }, user: { id: 'one', country: 'DE' }, tags: [], duration_ms: 5 }), reason: /user/ },
      { value: JSON.stringify({ click_id: randomUUID(), ts: iso(base), page: { path: '/x', referrer: null }, user: { id: 1, country: 'DE' }, tags: [1, 2], duration_ms: 5 }), reason: /tags/ },
    ],
    column: { name: 'page_path', value: (first) => (first.page as { path: string }).path },
  },
  {
    // IoT readings: floats, an optional field, a boolean, a local-time text.
    name: 'readings',
    make: (i, next) => {
      const at = new Date(base + i * 500);
      const p = (n: number): string => String(n).padStart(2, '0');
      return {
        reading_id: randomUUID(),
        device: `dev-${p(i % 12)}`,
        at: `${at.getUTCFullYear()}-${p(at.getUTCMonth() + 1)}-${p(at.getUTCDate())} ${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())}`,
        temperature: Math.round((15 + next() * 15) * 1000) / 1000 + 0.0001,
        ...(next() < 0.8 ? { humidity: Math.round(next() * 10000) / 100 + 0.001 } : {}),
        battery: Math.floor(next() * 100),
        charging: next() < 0.5,
      };
    },
    malformed: [
      { value: JSON.stringify({ reading_id: randomUUID(), device: 'dev-01', at: '2026-12-01 08:00:00', temperature: 'warm', battery: 5, charging: true }), reason: /temperature/ },
      { value: JSON.stringify({ reading_id: randomUUID(), device: 'dev-01', at: '2026-12-01 08:00:00', temperature: 20.5, battery: 5 }), reason: /charging/ },
      { value: '[1, 2, 3]', reason: /object/i },
    ],
    column: { name: 'device', value: (first) => String(first.device) },
  },
  {
    // Payments: money with cents, nulls, a text id, time with an offset.
    name: 'payments',
    make: (i, next) => ({
      payment_id: `pay_${String(i).padStart(8, '0')}`,
      captured_at: iso(base + i * 2000).replace('Z', '+00:00'),
      amount: Math.round(next() * 100_000) / 100,
      fee: next() < 0.4 ? null : Math.round(next() * 500) / 100,
      currency: i % 3 === 0 ? 'USD' : 'EUR',
      customer: next() < 0.2 ? null : `c-${Math.floor(next() * 300)}`,
    }),
    malformed: [
      { value: JSON.stringify({ payment_id: 'pay_x1', captured_at: '2026-12-01T08:00:00+00:00', amount: null, fee: null, currency: 'EUR', customer: null }), reason: /amount/ },
      { value: JSON.stringify({ payment_id: 'pay_x2', captured_at: 'yesterday', amount: 1.5, fee: null, currency: 'EUR', customer: null }), reason: /captured_at/ },
    ],
    column: { name: 'payment_id', value: (first) => String(first.payment_id) },
  },
];

const SAMPLE = 300;

for (const shape of shapes) {
  test(`a stream of one's own (${shape.name}): init → migrate → rows and dead letters → generate → verify`, async (t) => {
    const database = uniqueName(`own_${shape.name}`);
    const topic = `${database}_${shape.name}`;
    const folder = await mkdtemp(join(tmpdir(), `kch-own-${shape.name}-`));
    const config = join(folder, 'kch.config.ts');
    const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_CONFIG: config };
    const client = clickhouse(clickhouseUrl);
    onCleanup(t, async () => {
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await client.close();
      await rm(folder, { recursive: true, force: true });
    });

    const producer = createProducer({ bootstrap: kafka, clientId: `own-${shape.name}`, log: createLogger('test', () => undefined) });
    try {
      await ensureTopics(kafka, [{ name: topic, partitions: 2 }]);
      const next = random(shape.name.length * 7919);
      const sample = Array.from({ length: SAMPLE }, (_, i) => shape.make(i, next));
      await producer.send(sample.map((event) => ({ topic, value: JSON.stringify(event) })));

      // init: infers from the sample, replays it through the checks (none would be a dead letter).
      const init = await runCli(['init', '--from-topic', topic, '--name', shape.name, '--config', config], env);
      assert.equal(init.code, 0, init.stderr + init.stdout);
      assert.match(init.stdout + init.stderr, new RegExp(`${SAMPLE}`), 'the report counts the sample');
      const source = await readFile(config, 'utf8');
      assert.match(source, /from 'kafka-clickhouse-pipeline'/);
      assert.match(source, new RegExp(`name: '${shape.name}'`));

      const migrated = await runCli(['migrate'], env);
      assert.equal(migrated.code, 0, migrated.stderr);
      const rows = `SELECT count() FROM ${database}.${shape.name}`;
      const deadLetters = `SELECT count() FROM ${database}.${shape.name}_dead_letter`;
      // The Kafka table reads the topic from its start: the sample lands, none of it rejected.
      await pollUntil(`the ${SAMPLE} sample events in ${shape.name}`, async () => ((await scalar(client, rows)) >= SAMPLE ? true : undefined), 90_000);
      assert.equal(await scalar(client, rows), SAMPLE);
      assert.equal(await scalar(client, deadLetters), 0, 'no sample message is a dead letter');
      const first = sample[0]!;
      const column = await client.query({ query: `SELECT toString(${shape.column.name}) AS v FROM ${database}.${shape.name} WHERE ${shape.column.name} = {v:String} LIMIT 1`, query_params: { v: shape.column.value(first) }, format: 'JSONEachRow' });
      assert.equal((await column.json<{ v: string }>())[0]?.v, shape.column.value(first), `${shape.column.name} holds what the message said`);

      // Malformed messages: each a dead letter, kept byte for byte, with the reason naming the field.
      await producer.send(shape.malformed.map((m) => ({ topic, value: m.value })));
      await pollUntil('the malformed messages as dead letters', async () => ((await scalar(client, deadLetters)) >= shape.malformed.length ? true : undefined), 60_000);
      const letters = await client.query({ query: `SELECT raw, error FROM ${database}.${shape.name}_dead_letter`, format: 'JSONEachRow' });
      const kept = await letters.json<{ raw: string; error: string }>();
      assert.equal(kept.length, shape.malformed.length);
      for (const m of shape.malformed) {
        const letter = kept.find((k) => k.raw === m.value);
        assert.ok(letter, `dead letter for ${m.value}`);
        assert.match(letter.error, m.reason, `reason for ${m.value}`);
      }
      assert.equal(await scalar(client, rows), SAMPLE, 'no malformed message became a row');

      // generate: events drawn from the inferred fields, all valid.
      const generated = await runCli(['generate', '--count', '1000', '--rate', 'max', '--seed', '5'], env);
      assert.equal(generated.code, 0, generated.stderr);
      await pollUntil('the generated events', async () => ((await scalar(client, rows)) >= SAMPLE + 1000 ? true : undefined), 90_000);
      assert.equal(await scalar(client, rows), SAMPLE + 1000);
      assert.equal(await scalar(client, deadLetters), shape.malformed.length, 'every generated event valid');

      // verify: every event accounted for, bad ones in dead letters.
      const verified = await runCli(['verify', '--count', '500', '--rate', 'max', '--bad-ratio', '0.02', '--timeout', '60s', '--json'], env);
      assert.equal(verified.code, 0, verified.stderr + verified.stdout);
      const report = JSON.parse(verified.stdout.trim().split('\n').pop()!) as VerifyReport;
      assert.equal(report.lost, 0);
      assert.equal(report.acknowledged, 500);
      assert.equal(report.present + report.deadLetters, 500);
      assert.equal(report.deadLetters, report.badSent);
    } finally {
      await producer.close();
    }
  });
}
