// Property tests of command-line parameters: whatever the arguments and environment, the CLI's
// parsing ends in values or in one KchError line, never in another exception.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands } from '../../../src/cli/commands/index.js';
import { options, type OptionSpec } from '../../../src/config/options.js';
import { parseDuration, resolveOptions } from '../../../src/config/resolve.js';
import { isKchError } from '../../../src/errors/kch-error.js';
import { parsePace } from '../../../src/generator/pacing.js';
import { parseBrokers, describeBrokers } from '../../../src/kafka/brokers.js';
import { createLogger } from '../../../src/output/log.js';
import { freePort } from '../../support/ports.js';
import { Arbitrary, fuzzSeed } from '../verify/arbitrary.js';

const seed = fuzzSeed();

/** Runs `work`; a thrown value must be a KchError with a one-line message. */
function onlyKchErrors<T>(what: string, work: () => T): T | undefined {
  try {
    return work();
  } catch (error) {
    assert.ok(isKchError(error), `${what} threw a non-KchError: ${String((error as Error)?.stack ?? error)}`);
    assert.doesNotMatch(error.message, /\n/, `${what}: one line`);
    return undefined;
  }
}

test(`every command's options parse any argv and environment into values or one usage line (seed ${seed})`, () => {
  const any = new Arbitrary(seed);
  const specs = Object.values(options) as OptionSpec[];
  for (let i = 0; i < 3000; i++) {
    const command = any.pick(commands);
    const flags = command.options.map((o) => o.flag);
    const argv = Array.from({ length: any.int(0, 6) }, () => any.token(flags.length ? flags : ['x']));
    const env: Record<string, string> = {};
    for (let e = any.int(0, 3); e > 0; e--) {
      const spec = any.pick(specs);
      if (spec.env) env[spec.env] = any.bool() ? any.string(8) : String(any.number());
    }
    const what = `kch ${command.name} ${JSON.stringify(argv)} with ${JSON.stringify(env)} (seed ${seed}, case ${i})`;
    const resolved = onlyKchErrors(what, () => resolveOptions(command.options, argv, env, command.allowPositionals ?? false));
    if (!resolved) continue;
    for (const spec of command.options) {
      const value = onlyKchErrors(`${what}: --${spec.flag}`, () => {
        switch (spec.type) {
          case 'integer': return resolved.integer(spec);
          case 'number': return resolved.number(spec);
          case 'boolean': return resolved.boolean(spec);
          case 'duration': return resolved.duration(spec);
          default: return resolved.string(spec);
        }
      });
      if (spec.type === 'integer' && typeof value === 'number') assert.ok(Number.isSafeInteger(value), what);
      if (spec.type === 'duration' && typeof value === 'number') assert.ok(Number.isFinite(value) && value >= 0, what);
    }
  }
});

test(`value parsers return a value or one usage line for any text (seed ${seed})`, () => {
  const any = new Arbitrary(seed + 7);
  for (let i = 0; i < 5000; i++) {
    const text = any.bool(0.3) ? `${any.int(0, 99999)}${any.pick(['', 'ms', 's', 'm', 'h', 'd', '.5s', ' s'])}` : any.string(16);
    const ms = parseDuration(text);
    if (ms !== undefined) assert.ok(Number.isFinite(ms) && ms >= 0, `duration ${JSON.stringify(text)} → ${ms}`);
    onlyKchErrors(`pace ${JSON.stringify(text)}`, () => parsePace(text));
    const brokers = onlyKchErrors(`brokers ${JSON.stringify(text)}`, () => parseBrokers(any.bool() ? text : `${any.string(6)}:${any.int(-5, 70_000)},${text}`));
    if (brokers) {
      for (const b of brokers) assert.ok(b.port >= 1 && b.port <= 65_535 && b.host.length > 0);
      assert.deepEqual(parseBrokers(describeBrokers(brokers)), brokers, 'a parsed list prints back to itself');
    }
  }
});

test(`kch verify and kch query turn any parameters into a result or one KchError, quickly (seed ${seed})`, async () => {
  const any = new Arbitrary(seed + 13);
  const closed = `http://127.0.0.1:${await freePort()}`;
  const silent = createLogger('fuzz', () => undefined);
  for (const name of ['verify', 'query']) {
    const command = commands.find((c) => c.name === name)!;
    const flags = command.options.map((o) => o.flag);
    for (let i = 0; i < 60; i++) {
      const argv = Array.from({ length: any.int(0, 5) }, () => any.token(flags));
      const env = { CLICKHOUSE_URL: closed, KAFKA_BROKERS: '127.0.0.1:1', VERIFY_TIMEOUT: '1s' };
      const what = `kch ${name} ${JSON.stringify(argv)} (seed ${seed}, case ${i})`;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 5_000);
      try {
        const resolved = resolveOptions(command.options, argv, env, command.allowPositionals ?? false);
        await command.run({ options: resolved, log: silent, signal: controller.signal, out: () => undefined });
      } catch (error) {
        assert.ok(isKchError(error), `${what} threw a non-KchError: ${String((error as Error)?.stack ?? error)}`);
        assert.doesNotMatch(error.message, /\n/, `${what}: one line`);
      } finally {
        clearTimeout(timer);
      }
      assert.equal(controller.signal.aborted, false, `${what} took more than 5 s`);
    }
  }
});
