import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { badKinds } from '../../../src/generator/bad-messages.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { createLogger } from '../../../src/output/log.js';
import { resolveStream } from '../../../src/pipeline/resolve.js';
import { replayDeadLetters } from '../../../src/ops/dead-letters.js';
import type { Field } from '../../../src/pipeline/field.js';
import type { StreamDefinition } from '../../../src/pipeline/stream.js';
import { validateEvent } from '../../../src/pipeline/stream.js';
import { sales, warehouse } from '../../../src/pipeline/streams/index.js';
import { runCli } from '../../support/cli.js';
import { services } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { numbers, readTopic, testPipeline, type ReadMessage } from './support.js';

const { kafka, clickhouseUrl } = services();
const p = testPipeline('dlq', kafka, clickhouseUrl);
const COUNT = 20_000;

/** Whether the server decodes in the views: then every dead letter is the message as sent, and says why in our words. */
let decoding = false;

before(async () => {
  decoding = (await p.ops()).features.decodeInViews;
  const migrated = await runCli(['migrate'], p.env);
  assert.equal(migrated.code, 0, migrated.stderr);
});
after(() => p.drop());

type Verdict = 'good' | 'parse' | 'check';

/**
 * What ClickHouse 26 must make of a message, decided here without it: a parse error for what is
 * not JSON, lacks a field, has one it does not know or a value of the wrong JSON type; a failed
 * check for a value out of its range or text that is not UTF-8; a row otherwise.
 */
function verdict(stream: StreamDefinition, bytes: Buffer): Verdict {
  let text: string;
  let utf8 = true;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = bytes.toString('utf8');
    utf8 = false;
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return 'parse';
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return 'parse';
  const record = event as Record<string, unknown>;
  const fields = stream.fields as Record<string, Field>;
  for (const [name, f] of Object.entries(fields)) {
    if (!(name in record)) return 'parse';
    const numeric = f.kind === 'integer' || f.kind === 'decimal';
    if (numeric ? typeof record[name] !== 'number' : typeof record[name] !== 'string') return 'parse';
  }
  if (Object.keys(record).some((name) => !(name in fields))) return 'parse';
  return validateEvent(stream, event).length > 0 || !utf8 ? 'check' : 'good';
}

interface Sent {
  readonly stream: StreamDefinition;
  readonly messages: ReadMessage[];
  readonly verdicts: Verdict[];
}

const sent = new Map<string, Sent>();
let summary = '';

test(`a run with --bad-ratio 0.05 over ${COUNT.toLocaleString('en-US')} events puts every good event in the target once and every bad one in the dead-letter table`, async () => {
  const result = await runCli(['generate', '--count', String(COUNT), '--rate', 'max', '--seed', '4242', '--bad-ratio', '0.05'], p.env);
  assert.equal(result.code, 0, result.stderr);
  summary = result.stdout;
  const acked = /generated (\d+) events acknowledged by Kafka \(([^)]*)\).*; (\d+) of them malformed on purpose \(([^)]*)\)/.exec(summary);
  assert.ok(acked, summary);
  assert.equal(Number(acked[1]), COUNT);
  const perTopic = Object.fromEntries(acked[2]!.split(', ').map((part) => { const [t, n] = part.split(' '); return [t!, Number(n)]; }));
  const perKind = Object.fromEntries(acked[4]!.split(', ').map((part) => { const [k, n] = part.split(' '); return [k!, Number(n)]; }));
  assert.deepEqual(Object.keys(perKind), [...badKinds], 'every kind, counted apart');
  for (const kind of badKinds) assert.ok(perKind[kind]! > 0, `some ${kind}`);
  const malformed = Number(acked[3]);
  assert.ok(malformed > COUNT * 0.04 && malformed < COUNT * 0.06, `about 5 % malformed: ${malformed}`);

  for (const stream of [sales, warehouse]) {
    const topic = `${p.prefix}${stream.topic}`;
    const messages = await readTopic(kafka, topic, perTopic[topic]!);
    sent.set(stream.name, { stream, messages, verdicts: messages.map((m) => verdict(stream, m.value)) });
  }
  const bad = [...sent.values()].reduce((sum, s) => sum + s.verdicts.filter((v) => v !== 'good').length, 0);
  assert.equal(bad, malformed, 'the messages read back from Kafka that are bad are exactly those the generator counted');

  for (const { stream, messages, verdicts } of sent.values()) {
    const good = messages.filter((_, i) => verdicts[i] === 'good');
    const badOnes = messages.map((m, i) => ({ m, v: verdicts[i]! })).filter((x) => x.v !== 'good');
    await pollUntil(`${stream.name}: every message in a table`, async () => {
      const [rows, letters] = await numbers(p.client, `SELECT (SELECT count() FROM ${stream.target}), (SELECT count() FROM ${stream.deadLetter})`);
      return rows! + letters! >= messages.length ? true : undefined;
    }, 180_000);

    const ids = (await (await p.client.query({ query: `SELECT toString(event_id) AS id FROM ${stream.target} ORDER BY id`, format: 'JSONEachRow' })).json<{ id: string }>()).map((r) => r.id);
    const expectedIds = good.map((m) => (JSON.parse(m.value.toString('utf8')) as { event_id: string }).event_id).sort();
    assert.equal(ids.length, good.length, `${stream.name}: as many rows as good events`);
    assert.deepEqual(ids, expectedIds, `${stream.name}: each good event once, no other`);

    const letters = await (await p.client.query({
      query: `SELECT partition, offset, error, hex(raw) AS raw FROM ${stream.deadLetter} ORDER BY partition, offset`, format: 'JSONEachRow',
    })).json<{ partition: number; offset: string; error: string; raw: string }>();
    assert.equal(letters.length, badOnes.length, `${stream.name}: one dead letter per bad message`);
    const byOffset = new Map(badOnes.map((x) => [`${x.m.partition}:${x.m.offset}`, x]));
    let parseErrors = 0;
    for (const letter of letters) {
      const source = byOffset.get(`${letter.partition}:${letter.offset}`);
      assert.ok(source, `${stream.name}: dead letter at ${letter.partition}:${letter.offset} is a message that was bad`);
      const raw = Buffer.from(letter.raw, 'hex');
      if (decoding) {
        if (source.v === 'parse') parseErrors += 1;
        assert.equal(letter.raw, source.m.value.toString('hex').toUpperCase(), `${stream.name} ${letter.partition}:${letter.offset}: the raw bytes are those sent`);
        const text = source.m.value.toString('utf8');
        let parsed: unknown;
        try { parsed = JSON.parse(text); } catch { parsed = undefined; }
        if (source.m.value.includes(Buffer.from([0xc3, 0x28, 0xff]))) assert.equal(letter.error, 'not valid UTF-8');
        else if (parsed === undefined) assert.equal(letter.error, 'not a JSON object ClickHouse can read');
        else {
          // Each field the validation blames is named, and nothing else.
          const blamed = validateEvent(stream, parsed).map((problem) => problem.path.slice(1)).sort();
          const named = letter.error.split('; ').map((reason) => /^([a-z_]+): expected /.exec(reason)?.[1] ?? reason).sort();
          assert.deepEqual(named, blamed, `${stream.name} ${letter.offset}: ${letter.error}`);
        }
        continue;
      }
      if (source.v === 'parse') {
        parseErrors += 1;
        assert.ok(!/^[a-z_]+: expected /.test(letter.error), `a parse error is reported as such: ${letter.error}`);
        assert.equal(letter.raw, source.m.value.toString('hex').toUpperCase(), `${stream.name} ${letter.partition}:${letter.offset}: the raw bytes are those sent`);
      } else {
        assert.match(letter.error, /^[a-z_]+: expected /, 'a failed check names the field');
        const kept = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        const original = JSON.parse(source.m.value.toString('utf8')) as Record<string, unknown>;
        for (const [name, value] of Object.entries(original)) assert.equal(String(kept[name]), String(value), `${stream.name} ${letter.offset}: ${name} kept`);
        if (!new TextDecoder().decode(source.m.value).includes('\uFFFD')) continue;
        assert.ok(raw.includes(Buffer.from([0xc3, 0x28, 0xff])), 'invalid UTF-8 is kept as it came');
      }
    }
    assert.equal(parseErrors, badOnes.filter((x) => x.v === 'parse').length);
  }
});

test('dlq list shows a stream\'s dead letters newest first, as a table and as JSON', async () => {
  const bad = sent.get('sales')!.verdicts.filter((v) => v !== 'good').length;
  const listed = await runCli(['dlq', 'list', 'sales', '--json', '--limit', '5'], p.env);
  assert.equal(listed.code, 0, listed.stderr);
  const body = JSON.parse(listed.stdout) as { total: number; letters: { seen_at: string; state: string; raw: string; bytes: number }[] };
  assert.equal(body.total, bad);
  assert.equal(body.letters.length, 5);
  assert.ok(body.letters.every((l) => l.state === 'pending' && l.bytes > 0));
  const table = await runCli(['dlq', 'list', 'sales', '--where', "error LIKE 'quantity:%'"], p.env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /PARTITION:OFFSET\s+SEEN AT\s+STATE/);
  assert.match(table.stdout, /quantity: expected/);
});

test('dlq replay sends the dead letters its fixUp repairs, marks them replayed, and never sends one twice', async () => {
  const ops = await p.ops();
  // The generator's invalid UTF-8 is "bad " and three bytes that decode to U+FFFD ( U+FFFD.
  const repaired = { ...sales, fixUp: (raw: string) => (raw.includes('bad \uFFFD(\uFFFD') ? raw.replace('bad \uFFFD(\uFFFD', 'repaired') : undefined) };
  const objects = resolveStream(repaired, ops.target);
  const [broken] = await numbers(p.client, "SELECT count() FROM sales_dead_letter WHERE NOT isValidUTF8(raw)");
  assert.ok(broken! > 0);
  const [rowsBefore, lettersBefore] = await numbers(p.client, 'SELECT (SELECT count() FROM sales), (SELECT count() FROM sales_dead_letter)');
  const producer = createProducer({ bootstrap: kafka, clientId: 'kch-test', log: createLogger('test') });
  try {
    const first = await replayDeadLetters(ops, objects, { sink: producer });
    assert.equal(first.sent, broken, 'each repaired dead letter sent');
    assert.equal(first.fixed, broken);
    assert.equal(first.skipped, lettersBefore! - broken!, 'the others left waiting');
    await pollUntil('the repaired events in the target', async () => {
      const [n] = await numbers(p.client, "SELECT count() FROM sales WHERE product_name LIKE 'repaired%'");
      return n === broken ? true : undefined;
    }, 60_000);
    const again = await replayDeadLetters(ops, objects, { sink: producer });
    assert.equal(again.sent, 0, 'a replayed dead letter is not sent again');
  } finally {
    await producer.close();
  }
  const [rowsAfter, replayed, pending] = await numbers(p.client, 'SELECT (SELECT count() FROM sales), (SELECT countIf(replayed = 1) FROM sales_dead_letter), (SELECT countIf(replayed = 0) FROM sales_dead_letter)');
  assert.equal(rowsAfter, rowsBefore! + broken!);
  assert.equal(replayed, broken);
  assert.equal(pending, lettersBefore! - broken!);

  // Without a fixUp, as they are: still bad, they come back as new dead letters; the old ones are done.
  const [quantity] = await numbers(p.client, "SELECT count() FROM sales_dead_letter WHERE error LIKE 'quantity:%' AND replayed = 0");
  assert.ok(quantity! > 0);
  const dry = await runCli(['dlq', 'replay', 'sales', '--where', "error LIKE 'quantity:%'", '--dry-run'], p.env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`dry run: ${quantity} dead letter\\(s\\) of sales would be replayed`));
  assert.deepEqual(await numbers(p.client, "SELECT count() FROM sales_dead_letter WHERE error LIKE 'quantity:%' AND replayed = 0"), [quantity], 'a dry run changes nothing');
  const cli = await runCli(['dlq', 'replay', 'sales', '--where', "error LIKE 'quantity:%'"], p.env);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, new RegExp(`replayed ${quantity} dead letter`));
  await pollUntil('the replayed ones back as new dead letters', async () => {
    const [n] = await numbers(p.client, "SELECT countIf(replayed = 0) FROM sales_dead_letter WHERE error LIKE 'quantity:%'");
    return n === quantity ? true : undefined;
  }, 60_000);
  const [done] = await numbers(p.client, "SELECT countIf(replayed = 1) FROM sales_dead_letter WHERE error LIKE 'quantity:%'");
  assert.equal(done, quantity);
});

test('two dead letters of one Kafka message (read twice): replay sends the first seen once and leaves the later copy alone', async () => {
  const [partition, offset] = await numbers(p.client, "SELECT partition, offset FROM sales_dead_letter WHERE replayed = 0 AND error LIKE 'quantity:%' ORDER BY partition, offset LIMIT 1");
  assert.ok(offset !== undefined, 'a pending dead letter to copy');
  const on = `partition = ${partition} AND offset = ${offset}`;
  await p.client.command({ query: `INSERT INTO sales_dead_letter SELECT * REPLACE (seen_at + 5 AS seen_at) FROM sales_dead_letter WHERE ${on} AND replayed = 0` });
  const [copies] = await numbers(p.client, `SELECT count() FROM sales_dead_letter WHERE ${on} AND replayed = 0`);
  assert.ok(copies! >= 2, `the message has ${copies} pending dead letters`);

  const replayed = await runCli(['dlq', 'replay', 'sales', '--where', on], p.env);
  assert.equal(replayed.code, 0, replayed.stderr);
  assert.match(replayed.stdout, /replayed 1 dead letter/);
  const [done, waiting, held, firstDone] = await numbers(p.client,
    `SELECT countIf(replayed = 1), countIf(replayed = 0), countIf(replayed NOT IN (0, 1)), countIf(replayed = 1 AND seen_at = (SELECT min(seen_at) FROM sales_dead_letter WHERE ${on})) FROM sales_dead_letter WHERE ${on}`);
  assert.equal(done, 1, 'one dead letter of the message replayed');
  assert.equal(firstDone, 1, 'the first seen');
  assert.equal(held, 0, 'no copy left claimed');
  assert.equal(waiting, copies! - 1, 'the later copies given back, still waiting');

  const again = await runCli(['dlq', 'replay', 'sales', '--where', on], p.env);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /replayed [1-9]/, 'a message with a replayed dead letter is not sent again');
});
