import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadMessages, badKinds, type BadKind } from '../../../src/generator/bad-messages.js';
import { seedSource } from '../../support/seed.js';
import { validateEvent } from '../../../src/pipeline/stream.js';

const now = new Date(2026, 0, 2, 3, 4, 5);

function run(seed: number, ratio: number, count: number): { kind: BadKind | undefined; value: Buffer; stream: string }[] {
  const source = seedSource(seed);
  const bad = new BadMessages(seed, ratio);
  return Array.from({ length: count }, () => {
    const { stream, event } = source.next(now);
    const broken = bad.next(stream, event);
    return { kind: broken?.kind, value: broken?.value ?? Buffer.from(JSON.stringify(event)), stream: stream.name };
  });
}

function isValid(value: Buffer, streamName: string): boolean {
  const source = seedSource(1);
  let stream = source.next(now).stream;
  while (stream.name !== streamName) stream = source.next(now).stream;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    return false;
  }
  try {
    return validateEvent(stream, JSON.parse(text)).length === 0;
  } catch {
    return false;
  }
}

test('the same seed gives the same malformed messages at the same places', () => {
  const a = run(31, 0.05, 3000);
  const b = run(31, 0.05, 3000);
  assert.deepEqual(a.map((m) => m.kind), b.map((m) => m.kind));
  assert.ok(a.every((m, i) => m.value.equals(b[i]!.value)));
  assert.notDeepEqual(run(32, 0.05, 3000).map((m) => m.kind), a.map((m) => m.kind));
});

test('a bad ratio changes which events are sent broken, not the good events themselves', () => {
  const clean = run(5, 0, 2000);
  const mixed = run(5, 0.1, 2000);
  assert.ok(clean.every((m) => m.kind === undefined));
  mixed.forEach((m, i) => { if (m.kind === undefined) assert.ok(m.value.equals(clean[i]!.value)); });
});

test('about the ratio asked for is malformed, every kind in turn', () => {
  const messages = run(77, 0.05, 20_000);
  const bad = messages.filter((m) => m.kind !== undefined);
  assert.ok(Math.abs(bad.length / 20_000 - 0.05) < 0.006, `${bad.length} malformed`);
  bad.forEach((m, i) => assert.equal(m.kind, badKinds[i % badKinds.length]));
});

test('every malformed message is invalid for its stream and every other one valid', () => {
  for (const m of run(99, 0.2, 3000)) {
    assert.equal(isValid(m.value, m.stream), m.kind === undefined, `${m.kind ?? 'good'}: ${m.value.toString('utf8').slice(0, 200)}`);
  }
});

test('oversized messages stay far below Kafka\'s 1 MB limit, and invalid UTF-8 is really invalid', () => {
  for (const m of run(3, 1, 600)) {
    assert.ok(m.value.length < 16 * 1024, `${m.kind} of ${m.value.length} bytes`);
    if (m.kind === 'oversized') assert.ok(m.value.length > 4096);
    if (m.kind === 'invalid-utf8') assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(m.value));
    if (m.kind === 'invalid-json') assert.throws(() => JSON.parse(m.value.toString('utf8')) as unknown);
  }
});

test('a ratio outside 0..1 is refused', () => {
  assert.throws(() => new BadMessages(1, 1.5), RangeError);
  assert.throws(() => new BadMessages(1, -0.1), RangeError);
});
