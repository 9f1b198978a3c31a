// Property tests of message decoding on our side: event validation and verify's id parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedSource } from '../../support/seed.js';
import { parseMessage, stringifyJson } from '../../../src/pipeline/json.js';
import { validateEvent } from '../../../src/pipeline/stream.js';
import { streams } from '../../../src/pipeline/streams/index.js';
import { eventIdOf, parseEventId, parseSequence, MAX_SEQUENCE } from '../../../src/verify/tag.js';
import { Arbitrary, fuzzSeed } from './arbitrary.js';

const seed = fuzzSeed();

test(`validation never throws, accepts every generated event, and blames only the fields changed (seed ${seed})`, () => {
  const any = new Arbitrary(seed);
  const source = seedSource(seed);
  for (let i = 0; i < 3000; i++) {
    const { stream, event } = source.next();
    assert.deepEqual(validateEvent(stream, event), [], `generated event ${i}`);
    const parsed = parseMessage(stringifyJson(event));
    assert.ok(parsed.ok, 'an event written as JSON reads back');
    assert.deepEqual(validateEvent(stream, parsed.value), [], 'a JSON round trip keeps it valid');
    const mutated: Record<string, unknown> = { ...event };
    const changed = new Set<string>();
    for (let m = any.int(1, 3); m > 0; m--) {
      const field = any.pick([...Object.keys(event), any.string(5)]);
      if (any.bool(0.2)) delete mutated[field];
      else mutated[field] = any.json();
      changed.add(`/${field}`);
    }
    let problems;
    try {
      problems = validateEvent(stream, mutated);
    } catch (error) {
      assert.fail(`validateEvent threw on ${JSON.stringify(mutated)} (seed ${seed}, case ${i}): ${String(error)}`);
    }
    for (const problem of problems) assert.ok(changed.has(problem.path), `${problem.path} blamed but only ${[...changed].join(', ')} changed (seed ${seed}, case ${i})`);
  }
  for (const value of [null, undefined, 42, 'x', [], [1]]) {
    for (const stream of streams) assert.deepEqual(validateEvent(stream, value), [{ path: '', message: 'must be an object' }]);
  }
});

test(`verify ids round-trip for any sequence and no other text parses as one (seed ${seed})`, () => {
  const any = new Arbitrary(seed + 1);
  for (let i = 0; i < 5000; i++) {
    const run = any.int(0, 0xffffffff).toString(16).padStart(8, '0');
    const seq = any.bool(0.1) ? any.pick([0, MAX_SEQUENCE, 2 ** 32]) : any.int(0, 2 ** 40);
    assert.deepEqual(parseEventId(eventIdOf(run, seq)), { run, seq });
    const junk = any.bool() ? any.string(40) : eventIdOf(run, seq).replace(/[0-9a-f]/, any.pick(['g', '-', '', 'ff']));
    const parsed = parseEventId(junk);
    if (parsed) assert.equal(eventIdOf(parsed.run, parsed.seq), junk.toLowerCase(), `only real ids parse: ${JSON.stringify(junk)}`);
    const hex = any.string(14);
    const sequence = parseSequence(hex);
    if (sequence !== undefined) assert.ok(Number.isSafeInteger(sequence) && sequence >= 0);
  }
});
