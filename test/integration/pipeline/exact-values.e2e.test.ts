/**
 * Every value exact, and our checks the views' checks. Messages full of numbers a float cannot
 * hold (whole numbers across 64 bits, 128-bit ones as strings, decimals of 20 to 34 digits, 1.0,
 * 1e3, 1500e-3, a float beside whole numbers in one block, numbers written as strings, arrays of
 * objects) go through real Kafka and the embedded ClickHouse, by the Kafka engine and by
 * `kch sink`. Our side (parseMessage + validateEvent: what `kch init` replays and the generator
 * checks) is the oracle: the target holds exactly the messages it accepts, each value as its
 * text said, and every other message is a dead letter with a reason. Then `kch init` on a topic
 * of big ledger numbers predicts the rows the pipeline makes, to the message.
 * The seed is in the test's name; KCH_FUZZ_SEED replays a failure.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ensureTopics } from '../../../src/kafka/admin.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { createLogger } from '../../../src/output/log.js';
import { field } from '../../../src/pipeline/field.js';
import { JsonNumber, parseMessage } from '../../../src/pipeline/json.js';
import { asFloatReads, exactOf, exactOfNumber, plainText } from '../../../src/pipeline/number-text.js';
import { defineStream, validateEvent } from '../../../src/pipeline/stream.js';
import { CliProcess, runCli } from '../../support/cli.js';
import { clickhouse, scalar, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { fuzzSeed } from '../../unit/verify/arbitrary.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();
const seed = fuzzSeed();

/** The stream, as the pipeline file below defines it too. */
const exact = defineStream({
  name: 'exact',
  id: 'id',
  time: null,
  orderBy: ['id'],
  fields: {
    id: field.uuid(),
    seq: field.int('UInt64'),
    delta: field.int('Int64').optional(),
    big: field.int('Int128').optional(),
    amount: field.decimal({ precision: 38, scale: 2, min: '-999999999999999999999999999999999999.99', max: '999999999999999999999999999999999999.99' }),
    rate: field.decimal({ precision: 9, scale: 4, min: 0, max: 1 }).optional(),
    qty: field.int('UInt32').acceptStrings().optional(),
    small: field.int('Int8').optional(),
    ratio: field.float().optional(),
    items: field.array(field.object({ sku: field.text(16), n: field.int('UInt16'), price: field.decimal({ precision: 18, scale: 2, min: 0, max: 1_000_000_000 }).optional() })).optional(),
  },
});

const config = `import { defineConfig, defineStream, field } from 'kafka-clickhouse-pipeline';
export default defineConfig({ streams: [defineStream({
  name: 'exact', id: 'id', time: null, orderBy: ['id'],
  fields: {
    id: field.uuid(),
    seq: field.int('UInt64'),
    delta: field.int('Int64').optional(),
    big: field.int('Int128').optional(),
    amount: field.decimal({ precision: 38, scale: 2, min: '-999999999999999999999999999999999999.99', max: '999999999999999999999999999999999999.99' }),
    rate: field.decimal({ precision: 9, scale: 4, min: 0, max: 1 }).optional(),
    qty: field.int('UInt32').acceptStrings().optional(),
    small: field.int('Int8').optional(),
    ratio: field.float().optional(),
    items: field.array(field.object({ sku: field.text(16), n: field.int('UInt16'), price: field.decimal({ precision: 18, scale: 2, min: 0, max: 1_000_000_000 }).optional() })).optional(),
  },
})] });
`;

/** mulberry32: a small seeded uniform source. */
function seeded(start: number): () => number {
  let a = start >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Messages as JSON text, each with a unique id; their numbers written every way JSON allows, some beyond what the fields take. */
function messages(count: number): { id: string; text: string }[] {
  const next = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  /** Mostly a value the field takes, one time in ten (per field) one it may not. */
  const either = <T>(good: readonly T[], other: readonly T[]): T => (next() < 0.9 ? pick(good) : pick(other));
  const digits = (n: number): string => Array.from({ length: n }, (_, i) => String(Math.floor(next() * 10) || (i === 0 ? 1 : 0))).join('');
  const whole = (): string => pick([
    () => '0', () => digits(1 + Math.floor(next() * 15)), () => '9007199254740991', () => '9007199254740992', () => '9007199254740993',
    () => '9223372036854775807', () => '9223372036854775808', () => '18446744073709551615', () => digits(19),
  ])();
  /** A whole number in one of its forms: plain, with .0, as an exponent; or one the field may not take. */
  const wholeForm = (text: string): string => either([
    text, text, text, `${text}.0`, `${text}e0`, text.length > 2 ? `${text.slice(0, -2)}e2` : text,
  ], [`-${text}`, `"${text}"`, `${text}.5`, digits(20), '1e400', 'null']);
  /** A decimal of 1 to 34 digits with 0 to 2 decimals, in one of its forms; or one with too many decimals. */
  const decimal = (): string => {
    const intPart = digits(1 + Math.floor(next() * 32)).replace(/^0+(?=.)/, '');
    const places = pick([0, 1, 2, 2]);
    const frac = places ? digits(places) : '';
    const plain = frac ? `${intPart}.${frac}` : intPart;
    return either([plain, plain, `${plain}0`, frac ? `${intPart}${frac}e-${places}` : `${plain}e0`, `-${plain}`, '0.30', '1500e-3'],
      [`${plain}1`.includes('.') ? `${plain}1` : `${plain}.001`, `0.${digits(18)}`, '0.30000000000000004', '1e-400', `"${plain}"`, '0.30000000000000000001']);
  };
  const small = (): string => either(['5', '-128', '127', '1.0', '-0', '2e1', 'null'], ['128', '1.5', '"5"', 'true']);
  const out: { id: string; text: string }[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const members = [`"id":"${id}"`, `"seq":${wholeForm(whole())}`, `"amount":${decimal()}`];
    if (next() < 0.5) members.push(`"delta":${wholeForm(whole())}`);
    if (next() < 0.4) members.push(`"big":${either([`"${digits(38)}"`, `"-${digits(20)}"`, '"170141183460469231731687303715884105727"', whole()], ['"170141183460469231731687303715884105728"', digits(25)])}`);
    if (next() < 0.4) members.push(`"rate":${either(['0.1234', '1', '1.0000', '0.5e0', '0'], ['0.12345', '"0.5"', '2'])}`);
    if (next() < 0.5) members.push(`"qty":${either(['1', '"12"', '"1.0"', '4294967295', '7e1'], ['"x"', '1.5', '"-1"', '"4294967296"', '""'])}`);
    if (next() < 0.6) members.push(`"small":${small()}`);
    if (next() < 0.4) members.push(`"ratio":${either(['0.5', '1e300', '-2.5e-3', '52.520008123456789012', '7'], ['1e400', '"1"'])}`);
    if (next() < 0.3) {
      const item = (): string => `{"sku":"${either(['A1', 'B2'], [''])}","n":${either(['1', '2.0', '65535'], ['70000', '"3"'])}${next() < 0.5 ? `,"price":${either(['1.25', '999999999.99', '10', '0.5'], ['0.005', '1000000000.01'])}` : ''}${next() < 0.03 ? ',"x":1' : ''}}`;
      members.push(`"items":[${Array.from({ length: Math.floor(next() * 3) }, item).join(',')}]`);
    }
    if (next() < 0.02) members.push(`"seq":${whole()}`);
    // Shuffled: a message's keys in any order.
    for (let k = members.length - 1; k > 0; k--) {
      const j = Math.floor(next() * (k + 1));
      [members[k], members[j]] = [members[j]!, members[k]!];
    }
    out.push({ id, text: `{${members.join(',')}}` });
  }
  return out;
}

/**
 * The exact text a number of ours stands for in a column of `scale` decimals, as ClickHouse prints
 * the column (plain decimal, no exponent): a number written with more digits than a Float64 holds,
 * all past the 15th significant one but one far past it, is taken as its Float64 on both sides
 * (src/pipeline/number-text.ts, asFloatReads).
 */
function textOf(value: unknown, scale = 0): string {
  if (typeof value === 'number') return plainText(exactOfNumber(value)!);
  if (value instanceof JsonNumber) return plainText(asFloatReads(value.text, scale)!);
  if (typeof value === 'string') return plainText(exactOf(value)!);
  throw new Error(`not a number: ${String(value)}`);
}

interface Row {
  id: string;
  seq: string;
  delta: string | null;
  big: string | null;
  amount: string;
  rate: string | null;
  qty: string | null;
  small: string | null;
  items: string;
}

async function runTransport(t: TestContext, ingest: 'engine' | 'sink', sent: readonly { id: string; text: string }[]): Promise<void> {
  const database = uniqueName(`exact_${ingest}`);
  const prefix = `${database}_`;
  const folder = await mkdtemp(join(tmpdir(), 'kch-exact-'));
  await writeFile(join(folder, 'kch.config.ts'), config);
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: prefix, KCH_CONFIG: join(folder, 'kch.config.ts'), KCH_INGEST: ingest };
  const client = clickhouse(clickhouseUrl);
  onCleanup(t, async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
    await rm(folder, { recursive: true, force: true });
  });
  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr + migrated.stdout);
  if (ingest === 'sink') {
    const sink = new CliProcess(['sink'], env);
    onCleanup(t, () => sink.stop());
  }
  // One send: the messages arrive in few blocks, so that each value shares its block with all kinds of others.
  const topic = `${prefix}exact`;
  await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
  const producer = createProducer({ bootstrap: kafka, clientId: 'kch-exact', log: createLogger('exact', () => undefined) });
  try {
    await producer.send(sent.map((m) => ({ topic, value: m.text })));
  } finally {
    await producer.close();
  }
  const total = `SELECT (SELECT count() FROM ${database}.exact) + (SELECT count() FROM ${database}.exact_dead_letter)`;
  await pollUntil(`${sent.length} messages in ${database} (${ingest})`, async () => ((await scalar(client, total)) >= sent.length ? true : undefined), 120_000, 250);

  const rows = await (await client.query({
    query: `SELECT toString(id) AS id, toString(seq) AS seq, toString(delta) AS delta, toString(big) AS big, toString(amount) AS amount, toString(rate) AS rate, toString(qty) AS qty, toString(small) AS small,
      toString(arrayMap(x -> (x.sku, toString(x.n), toString(x.price)), items)) AS items FROM ${database}.exact`,
    format: 'JSONEachRow',
  })).json<Row>();
  const letters = await (await client.query({ query: `SELECT raw, error FROM ${database}.exact_dead_letter`, format: 'JSONEachRow' })).json<{ raw: string; error: string }>();
  assert.equal(rows.length + letters.length, sent.length, `every message once: ${rows.length} rows + ${letters.length} dead letters for ${sent.length} (seed ${seed})`);
  assert.deepEqual(letters.filter((l) => l.error === '').map((l) => l.raw), [], 'every dead letter says why');

  const stored = new Map(rows.map((r) => [r.id, r]));
  const disagreements: string[] = [];
  let valid = 0;
  for (const m of sent) {
    const parsed = parseMessage(m.text);
    const problems = parsed.ok ? validateEvent(exact, parsed.value) : [{ path: '', message: parsed.reason }];
    const row = stored.get(m.id);
    if (problems.length > 0) {
      if (row) disagreements.push(`stored, but ours says ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}: ${m.text}`);
      // A message that cannot be read at all is said the same way on both sides (a number out of range named).
      const letter = letters.find((l) => l.raw === m.text);
      if (!parsed.ok && letter && letter.error !== parsed.reason) disagreements.push(`dead letter says ${JSON.stringify(letter.error)}, ours ${JSON.stringify(parsed.reason)}: ${m.text}`);
      continue;
    }
    valid += 1;
    if (!row) {
      disagreements.push(`ours accepts, the views made a dead letter (${letters.find((l) => l.raw === m.text)?.error ?? 'nowhere'}): ${m.text}`);
      continue;
    }
    const event = parsed.ok ? (parsed.value as Record<string, unknown>) : {};
    const expect: Record<string, string | null> = {
      seq: textOf(event.seq),
      delta: event.delta == null ? null : textOf(event.delta),
      big: event.big == null ? null : textOf(event.big),
      amount: textOf(event.amount, 2),
      rate: event.rate == null ? null : textOf(event.rate, 4),
      qty: event.qty == null ? null : textOf(event.qty),
      small: event.small == null ? null : textOf(event.small),
    };
    for (const [column, value] of Object.entries(expect)) {
      const got = (row as unknown as Record<string, string | null>)[column] ?? null;
      if (got !== value) disagreements.push(`${column}: stored ${got}, the message said ${value}: ${m.text}`);
    }
    const items = (event.items as { sku: string; n: unknown; price?: unknown }[] | undefined) ?? [];
    const itemsText = `[${items.map((x) => `('${x.sku}','${textOf(x.n)}',${x.price == null ? 'NULL' : `'${textOf(x.price, 2)}'`})`).join(',')}]`;
    if (row.items !== itemsText) disagreements.push(`items: stored ${row.items}, the message said ${itemsText}: ${m.text}`);
  }
  assert.deepEqual(disagreements.slice(0, 20), [], `${disagreements.length} disagreements between our checks and the views (${ingest}, seed ${seed})`);
  assert.ok(valid > sent.length * 0.2 && valid < sent.length * 0.9, `a mix of valid and invalid messages: ${valid} of ${sent.length} valid`);
  assert.ok(letters.some((l) => /^a number out of range: (1e400|\d{20,}) \(/.test(l.error)), 'a number beyond what ClickHouse reads is named in its dead letter');
  process.stdout.write(`# exact values (${ingest}): ${sent.length} messages, ${valid} rows exact, ${letters.length} dead letters\n`);
}

const sent = messages(1500);

test(`the Kafka engine stores every value as its text said, and exactly the messages our checks accept (seed ${seed})`, async (t) => {
  await runTransport(t, 'engine', sent);
});

test(`kch sink does the same with the same messages (seed ${seed})`, async (t) => {
  await runTransport(t, 'sink', sent);
});

test('kch init on a topic of big ledger numbers predicts to the message what the pipeline makes of it, every value exact', async (t) => {
  const database = uniqueName('ledger');
  const topic = `${database}_ledger`;
  const folder = await mkdtemp(join(tmpdir(), 'kch-ledger-'));
  const file = join(folder, 'kch.config.ts');
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_CONFIG: file };
  const client = clickhouse(clickhouseUrl);
  onCleanup(t, async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
    await rm(folder, { recursive: true, force: true });
  });
  // Snowflake-like sequence numbers past 2⁵³, money of 16 to 18 digits, quantities written 1, 1.0 and 1e3.
  const next = seeded(seed + 1);
  const ledger = Array.from({ length: 200 }, (_, i) => {
    const seq = 9007199254740993n + BigInt(i) * 1_000_003n + BigInt(Math.floor(next() * 1000));
    const cents = BigInt(Math.floor(next() * 1e9)) * 1_000_000_000n + BigInt(Math.floor(next() * 1e9));
    const amount = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
    const qty = ['1', '1.0', '1e3', '12', '7.0'][i % 5];
    return `{"entry_id":"${randomUUID()}","ledger_seq":${seq},"amount":${amount},"qty":${qty}}`;
  });
  // A few that no stream could take: a fraction of a quantity, a sequence past 64 bits.
  const bad = ['{"entry_id":"8f0c2a8e-7b55-4b8e-9a43-1c1d2e3f4a5b","ledger_seq":18446744073709551616,"amount":1.00,"qty":1}', `{"entry_id":"${randomUUID()}","ledger_seq":5,"amount":2.50,"qty":1.5}`];
  await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
  const producer = createProducer({ bootstrap: kafka, clientId: 'kch-ledger', log: createLogger('ledger', () => undefined) });
  try {
    await producer.send([...ledger, ...bad].map((value) => ({ topic, value })));
  } finally {
    await producer.close();
  }
  const init = await runCli(['init', '--from-topic', topic, '--name', 'ledger', '--config', file], env);
  assert.equal(init.code, 0, init.stdout + init.stderr);
  const predicted = /(\d[\d,]*) of (\d[\d,]*) would land in ledger, (\d[\d,]*) would be dead letters/.exec(init.stdout);
  assert.ok(predicted, init.stdout);
  const [landing, , dead] = [Number(predicted[1]!.replace(/,/g, '')), Number(predicted[2]!.replace(/,/g, '')), Number(predicted[3]!.replace(/,/g, ''))];
  assert.match(init.stdout, /ledger_seq\s+UInt64/, 'a sequence past 2⁵³ is a UInt64, not rounded');
  assert.match(init.stdout, /9007199254740993|900719925474\d{4}/, 'the SEEN column shows the exact values');
  assert.doesNotMatch(init.stdout, /9007199254740992\b/, 'no value shown rounded');

  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr + migrated.stdout);
  await pollUntil('the ledger consumed', async () => ((await scalar(client, `SELECT (SELECT count() FROM ${database}.ledger) + (SELECT count() FROM ${database}.ledger_dead_letter)`)) >= ledger.length + bad.length ? true : undefined), 90_000, 250);
  assert.equal(await scalar(client, `SELECT count() FROM ${database}.ledger`), landing, 'rows as init predicted');
  assert.equal(await scalar(client, `SELECT count() FROM ${database}.ledger_dead_letter`), dead, 'dead letters as init predicted');
  const stored = new Map((await (await client.query({ query: `SELECT toString(entry_id) AS id, toString(ledger_seq) AS seq, toString(amount) AS amount FROM ${database}.ledger`, format: 'JSONEachRow' })).json<{ id: string; seq: string; amount: string }>()).map((r) => [r.id, r]));
  let checked = 0;
  for (const text of ledger) {
    const { entry_id: id } = JSON.parse(text) as { entry_id: string };
    const row = stored.get(id);
    if (!row) continue;
    const seq = /"ledger_seq":(\d+)/.exec(text)![1]!;
    const amount = plainText(exactOf(/"amount":([0-9.]+)/.exec(text)![1]!)!);
    assert.equal(row.seq, seq, `ledger_seq of ${text}`);
    assert.equal(row.amount, amount, `amount of ${text}`);
    checked += 1;
  }
  assert.equal(checked, ledger.length, 'every well-formed entry stored, its numbers exact');
});
