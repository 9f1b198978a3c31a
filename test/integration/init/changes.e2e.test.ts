// kch init on topics of changes, on the harness's broker: Debezium's JSON in its schema/payload
// wrapper (as the JSON converter with schemas.enable writes it; the real connector's messages are
// proven in test/integration/connect/), and a keyed JSON topic with tombstones. init writes an
// upsert stream, kch migrate makes its tables, and the Debezium stream's live rows are the source's.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../../../src/kafka/admin.js';
import { runCli } from '../../support/cli.js';
import { onCleanup } from '../../support/cleanup.js';
import { clickhouse, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';

const { kafka, clickhouseUrl } = services();

const valueSchema = {
  type: 'struct',
  name: 'shop.public.orders.Envelope',
  fields: [
    { type: 'struct', optional: true, field: 'before', fields: [] },
    {
      type: 'struct', optional: true, field: 'after', name: 'shop.public.orders.Value',
      fields: [
        { type: 'int32', optional: false, field: 'id' },
        { type: 'string', optional: false, field: 'status' },
        { type: 'int16', optional: true, field: 'qty' },
        { type: 'string', optional: false, field: 'ref', name: 'io.debezium.data.Uuid' },
        { type: 'string', optional: false, field: 'placed_at', name: 'io.debezium.time.ZonedTimestamp' },
        { type: 'bytes', optional: true, field: 'price', name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '10' } },
        { type: 'int32', optional: false, field: 'ship_on', name: 'io.debezium.time.Date', version: 1 },
        { type: 'int64', optional: false, field: 'paid_at', name: 'io.debezium.time.MicroTimestamp', version: 1 },
        { type: 'string', optional: true, field: 'attributes', name: 'io.debezium.data.Json', version: 1 },
      ],
    },
    { type: 'struct', optional: false, field: 'source', fields: [] },
    { type: 'string', optional: false, field: 'op' },
  ],
};
const keySchema = { type: 'struct', name: 'shop.public.orders.Key', fields: [{ type: 'int32', optional: false, field: 'id' }] };

/** NUMERIC as Debezium sends it by default: base64 of the unscaled value's big-endian two's complement, in the fewest bytes. */
function base64Decimal(unscaled: bigint): string {
  const bytes: number[] = [];
  let value = unscaled;
  do {
    bytes.unshift(Number(BigInt.asUintN(8, value)));
    value >>= 8n;
  } while (!((value === 0n && (bytes[0]! & 0x80) === 0) || (value === -1n && (bytes[0]! & 0x80) !== 0)));
  return Buffer.from(bytes).toString('base64');
}

interface Order { id: number; status: string; qty: number | null; ref: string; placed_at: string; price: string | null; ship_on: number; paid_at: number; attributes: string | null }
const order = (id: number, version: number): Order => ({
  id,
  status: ['new', 'paid', 'shipped'][version % 3]!,
  qty: id % 4 === 0 ? null : version,
  ref: `3f2a9c1e-6b63-4000-8000-${String(id).padStart(12, '0')}`,
  placed_at: `2026-12-07T10:00:${String(id % 60).padStart(2, '0')}.123456Z`,
  // -1,234,567.89 and up by 100.01 a version; none for every fifth row.
  price: id % 5 === 0 ? null : base64Decimal(-123_456_789n + BigInt(id * 1000 + version) * 10_001n),
  // 2026-12-07 plus id days; 10:00:00.000001 plus id seconds on 2026-12-07 (microseconds since 1970).
  ship_on: 20_794 + id,
  paid_at: 1_796_637_600_000_001 + id * 1_000_000,
  attributes: id % 3 === 0 ? null : JSON.stringify({ colour: ['red', 'blue'][id % 2], v: version }),
});
/** The values ClickHouse's columns should show for a row. */
const decimalText = (base64: string | null): string | null => {
  if (base64 === null) return null;
  const bytes = Buffer.from(base64, 'base64');
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  if ((bytes[0]! & 0x80) !== 0) value -= 1n << BigInt(bytes.length * 8);
  const sign = value < 0n ? '-' : '';
  const digits = (value < 0n ? -value : value).toString().padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
};

test('init recognizes Debezium\'s changes and a keyed JSON topic, writes upsert streams, and kch migrate makes them', async (t) => {
  const database = uniqueName('init_changes');
  const folder = await mkdtemp(join(tmpdir(), 'kch-init-changes-'));
  onCleanup(t, () => rm(folder, { recursive: true, force: true }));
  const client = clickhouse(clickhouseUrl, 'default');
  onCleanup(t, async () => { await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }); await client.close(); });
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database };

  const orders = uniqueName('shop_public_orders');
  const profiles = uniqueName('profiles');
  await ensureTopics(kafka, [{ name: orders, partitions: 2 }, { name: profiles, partitions: 1 }]);
  const producer = new Kafka({ brokers: [kafka], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  onCleanup(t, () => producer.disconnect());

  // A snapshot of 40 rows, 15 updates, 5 deletes each followed by its tombstone.
  let lsn = 10_000;
  const live = new Map<number, Order>();
  const change = (op: 'r' | 'u' | 'd', row: Order): { key: string; value: string } => {
    const payload = { before: op === 'd' ? { ...row, status: '', qty: null } : null, after: op === 'd' ? null : row, source: { lsn: (lsn += 8), ts_ms: 1_700_000_000_000 }, op, ts_ms: 1_700_000_000_000 };
    if (op === 'd') live.delete(row.id); else live.set(row.id, row);
    return { key: JSON.stringify({ schema: keySchema, payload: { id: row.id } }), value: JSON.stringify({ schema: valueSchema, payload }) };
  };
  const messages: { key: string; value: string | null }[] = [];
  for (let id = 1; id <= 40; id += 1) messages.push(change('r', order(id, 0)));
  for (let i = 0; i < 15; i += 1) messages.push(change('u', order(1 + (i % 10), i + 1)));
  for (let id = 31; id <= 35; id += 1) messages.push(change('d', live.get(id)!), { key: JSON.stringify({ schema: keySchema, payload: { id } }), value: null });
  await producer.send({ topic: orders, messages });

  const initOrders = await runCli(['init', '--from-topic', orders, '--name', 'orders'], env, 120_000, folder);
  assert.equal(initOrders.code, 0, initOrders.stdout + initOrders.stderr);
  assert.match(initOrders.stdout, new RegExp(`Debezium changes of ${orders}: key id \\(from the message key's schema\\), version source\\.lsn, 40 snapshot reads, 15 updates, 5 deletes, 5 tombstones`));
  assert.match(initOrders.stdout, /60 of 65 would land in orders \(5 of them deletes\), 5 are no change .*, 0 would be dead letters/);
  const config = await readFile(join(folder, 'kch.config.ts'), 'utf8');
  assert.match(config, /  key: \['id'\],\n  envelope: 'debezium',/);
  assert.match(config, /    id: field\.int\('Int32'\),/);
  assert.match(config, /    qty: field\.int\('Int16'\)\.measure\(\)\.optional\(\),/);
  assert.match(config, /    ref: field\.uuid\(\),/);
  assert.match(config, /    placed_at: field\.timestamp\(\{ precision: 6, timeZone: 'UTC' \}\),/);
  assert.match(config, /    price: field\.decimal\(\{ precision: 10, scale: 2, min: -99999999\.99, max: 99999999\.99, encoding: 'base64' \}\)\.measure\(\)\.optional\(\),/);
  assert.match(config, /    ship_on: field\.date\(\{ encoding: 'days' \}\),/);
  assert.match(config, /    paid_at: field\.timestamp\(\{ precision: 6, timeZone: 'UTC', encoding: 'micros' \}\),/);
  assert.match(config, /    attributes: field\.json\(\)\.optional\(\),/);

  // A keyed JSON topic: the key is a user's id as text, the value's user_id; a tombstone deletes.
  const user = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  await producer.send({
    topic: profiles,
    messages: [
      ...Array.from({ length: 30 }, (_, i) => ({ key: user(i % 12), value: JSON.stringify({ user_id: user(i % 12), plan: ['free', 'pro'][i % 2], visits: i }) })),
      { key: user(3), value: null },
    ],
  });
  const initProfiles = await runCli(['init', '--from-topic', profiles, '--name', 'profiles'], env, 120_000, folder);
  assert.equal(initProfiles.code, 0, initProfiles.stdout + initProfiles.stderr);
  assert.match(initProfiles.stdout, new RegExp(`keyed changes of ${profiles}: key user_id \\(the value's field equal to the message key\\), version the Kafka offset, 30 rows, 1 tombstones \\(deletes\\)`));
  assert.match(initProfiles.stdout, /31 of 31 would land in profiles \(1 of them deletes\), 0 would be dead letters/);
  assert.match(initProfiles.stdout, /next: kch migrate, then kch sink/);
  assert.match(await readFile(join(folder, 'kch.config.ts'), 'utf8'), /  key: \['user_id'\],\n  fields: \{/);

  const migrated = await runCli(['migrate'], env, 120_000, folder);
  assert.equal(migrated.code, 0, migrated.stdout + migrated.stderr);
  const engines = await (await client.query({ query: `SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN ('orders', 'profiles') ORDER BY name`, query_params: { db: database }, format: 'JSONEachRow' })).json<{ name: string; engine_full: string }>();
  assert.deepEqual(engines.map((e) => e.name), ['orders', 'profiles']);
  for (const e of engines) assert.match(e.engine_full, /^ReplacingMergeTree\(kch_version, kch_deleted\)/, `${e.name}: ${e.engine_full}`);

  // The Debezium stream flows through the Kafka engine: its live rows are the source's.
  const day = (days: number): string => new Date(days * 86_400_000).toISOString().slice(0, 10);
  const micros = (n: number): string => `${new Date(Math.floor(n / 1000)).toISOString().slice(0, 19).replace('T', ' ')}.${String(n % 1_000_000).padStart(6, '0')}`;
  const expected = [...live.values()].sort((a, b) => a.id - b.id).map((r) => [r.id, r.status, r.qty, decimalText(r.price), day(r.ship_on), micros(r.paid_at), r.attributes]);
  const rows = await pollUntil(`orders: the live rows of ${live.size} keys`, async () => {
    const now = await (await client.query({
      query: `SELECT id, status, qty, if(isNull(price), NULL, toDecimalString(price, 2)), toString(ship_on), toString(paid_at), attributes FROM ${database}.orders FINAL ORDER BY id`,
      format: 'JSONCompactEachRow',
    })).json<unknown[]>();
    return now.length === live.size ? now : undefined;
  }, 120_000, 500);
  assert.deepEqual(rows, expected);
  const letters = await (await client.query({ query: `SELECT count() AS n FROM ${database}.orders_dead_letter`, format: 'JSONEachRow' })).json<{ n: string }>();
  assert.equal(Number(letters[0]!.n), 0);
});
