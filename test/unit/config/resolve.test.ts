import assert from 'node:assert/strict';
import { test, after } from 'node:test';
import { options } from '../../../src/config/options.js';
import { fromEnvironment, parseDuration, resolveOptions } from '../../../src/config/resolve.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const specs = [options.kafkaBrokers, options.count, options.duration, options.clickhousePassword];

test('a flag wins over the environment, which wins over the default', () => {
  assert.equal(resolveOptions(specs, [], {}).string(options.kafkaBrokers), '127.0.0.1:9092');
  assert.equal(resolveOptions(specs, [], { KAFKA_BROKERS: 'a:1' }).string(options.kafkaBrokers), 'a:1');
  assert.equal(resolveOptions(specs, ['--kafka-brokers', 'b:2'], { KAFKA_BROKERS: 'a:1' }).string(options.kafkaBrokers), 'b:2');
});

test('given_ tells a user\'s choice from a default', () => {
  assert.equal(resolveOptions(specs, [], {}).given_(options.kafkaBrokers), false);
  assert.equal(resolveOptions(specs, [], { KAFKA_BROKERS: 'a:1' }).given_(options.kafkaBrokers), true);
});

test('an unknown flag is a usage error naming it', () => {
  assert.throws(() => resolveOptions(specs, ['--bogus'], {}), { code: 'KCH_USAGE', message: /--bogus/ });
});

test('a password on the command line is refused: it would show in ps', () => {
  assert.throws(() => resolveOptions(specs, ['--clickhouse-password', 'x'], {}), { code: 'KCH_USAGE', message: /CLICKHOUSE_PASSWORD/ });
  assert.equal(resolveOptions(specs, [], { CLICKHOUSE_PASSWORD: 's3cret' }).string(options.clickhousePassword), 's3cret');
});

test('numbers and durations are checked', () => {
  assert.equal(resolveOptions(specs, ['--count', '10'], {}).integer(options.count), 10);
  assert.throws(() => resolveOptions(specs, ['--count', '1e3'], {}).integer(options.count), { code: 'KCH_USAGE', message: /whole number/ });
  assert.equal(resolveOptions(specs, ['--duration', '5m'], {}).duration(options.duration), 300_000);
  assert.throws(() => resolveOptions(specs, ['--duration', 'soon'], {}).duration(options.duration), { code: 'KCH_USAGE' });
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2'), 2000);
});

test('a negative number after an option is its value, for the option to judge (not "argument is ambiguous")', () => {
  const specs = [options.rate, options.verifyCount];
  assert.equal(resolveOptions(specs, ['--rate', '-5'], {}).string(options.rate), '-5');
  assert.equal(resolveOptions(specs, ['--count', '-5'], {}).string(options.verifyCount), '-5');
  assert.equal(resolveOptions(specs, ['--rate', '-5', '--count', '3'], {}).string(options.verifyCount), '3');
  assert.throws(() => resolveOptions(specs, ['--rate', '-x'], {}), /unknown option|ambiguous|needs a value/, 'an option-like word is still an option');
  assert.equal(resolveOptions(specs, ['--rate', '-.5'], {}).string(options.rate), '-.5');
});

test('every numeric option takes a negative number as its value, for its own check to refuse', () => {
  const numeric = Object.values(options).filter((spec) => spec.type === 'integer' || spec.type === 'number' || spec.type === 'duration');
  assert.ok(numeric.length >= 10);
  for (const spec of numeric) {
    const resolved = resolveOptions([spec], [`--${spec.flag}`, '-5'], {});
    assert.equal(resolved.string(spec), '-5', `--${spec.flag} -5`);
    if (spec.type === 'duration') assert.throws(() => resolved.duration(spec), /must be a duration .*got "-5"/, `--${spec.flag}`);
    else assert.equal(spec.type === 'integer' ? resolved.integer(spec) : resolved.number(spec), -5, `--${spec.flag}`);
  }
});

const dir = mkdtempSync(join(tmpdir(), 'kch-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const secretSpecs = [options.clickhousePassword, options.dashboardToken];

test('CLICKHOUSE_PASSWORD_FILE supplies the password, without its trailing newline', () => {
  const file = join(dir, 'password');
  writeFileSync(file, 'p4ss word\n');
  const resolved = resolveOptions(secretSpecs, [], { CLICKHOUSE_PASSWORD_FILE: file });
  assert.equal(resolved.string(options.clickhousePassword), 'p4ss word');
  assert.equal(resolved.given_(options.clickhousePassword), true);
  writeFileSync(file, 'crlf\r\n\n');
  assert.equal(resolveOptions(secretSpecs, [], { CLICKHOUSE_PASSWORD_FILE: file }).string(options.clickhousePassword), 'crlf\r\n', 'only one newline goes');
});

test('the variable itself wins over nothing, and both at once is a configuration error', () => {
  const file = join(dir, 'both');
  writeFileSync(file, 'from-file');
  assert.equal(resolveOptions(secretSpecs, [], { CLICKHOUSE_PASSWORD: 'direct' }).string(options.clickhousePassword), 'direct');
  assert.throws(() => resolveOptions(secretSpecs, [], { CLICKHOUSE_PASSWORD: 'direct', CLICKHOUSE_PASSWORD_FILE: file }),
    { code: 'KCH_CONFIG', message: 'CLICKHOUSE_PASSWORD and CLICKHOUSE_PASSWORD_FILE are both set; keep one' });
});

test('an unreadable secret file is one line naming the variable and the path', () => {
  assert.throws(() => resolveOptions(secretSpecs, [], { DASHBOARD_TOKEN_FILE: join(dir, 'missing') }),
    { code: 'KCH_CONFIG', message: `DASHBOARD_TOKEN_FILE names ${join(dir, 'missing')}, which cannot be read (ENOENT)` });
});

test('secrets are refused as flags, so they never show in ps', () => {
  assert.throws(() => resolveOptions(secretSpecs, ['--clickhouse-password', 'x']), { code: 'KCH_USAGE', message: /would show in the process list; set CLICKHOUSE_PASSWORD/ });
  assert.throws(() => resolveOptions(secretSpecs, ['--dashboard-token=x']), { code: 'KCH_USAGE', message: /set DASHBOARD_TOKEN in the environment/ });
});

test('every secret option can come from a file', () => {
  for (const spec of Object.values(options)) {
    if ('secret' in spec && spec.secret) assert.ok('fileEnv' in spec && spec.fileEnv, `${spec.env} has a _FILE variant`);
  }
});

test('a spec\'s choices, form and bounds are checked where the value is read, naming the variable a bad one came from', () => {
  const checked = [options.kafkaSecurityProtocol, options.clickhouseDatabase, options.consumers, options.badRatio];
  assert.equal(resolveOptions(checked, ['--kafka-security-protocol', 'SASL_SSL'], {}).string(options.kafkaSecurityProtocol), 'sasl_ssl', 'a choice is matched regardless of case and read as the spec writes it');
  assert.throws(() => resolveOptions(checked, [], { KAFKA_SECURITY_PROTOCOL: 'tls' }).string(options.kafkaSecurityProtocol),
    { code: 'KCH_USAGE', message: '--kafka-security-protocol must be one of plaintext, ssl, sasl_plaintext, sasl_ssl, got "tls" (from KAFKA_SECURITY_PROTOCOL)' });
  assert.throws(() => resolveOptions(checked, ['--database', 'a-b'], {}).string(options.clickhouseDatabase),
    { code: 'KCH_USAGE', message: '--database must be a plain identifier (letters, digits, _), got "a-b"' });
  assert.equal(resolveOptions(checked, ['--consumers', '64'], {}).bounded(options.consumers), 64);
  assert.throws(() => resolveOptions(checked, ['--consumers', '65'], {}).bounded(options.consumers), { code: 'KCH_USAGE', message: '--consumers must be between 1 and 64, got 65' });
  assert.equal(resolveOptions(checked, ['--consumers', '0'], {}).integer(options.consumers), 0, 'integer() is the number as given');
  assert.throws(() => resolveOptions(checked, [], { GENERATOR_BAD_RATIO: '1.5' }).bounded(options.badRatio), { message: '--bad-ratio must be between 0 and 1, got 1.5 (from GENERATOR_BAD_RATIO)' });
});

test('fromEnvironment and orEnvironment: a command that does not take a setting reads the environment\'s', () => {
  const saved = process.env.KAFKA_CONSUMERS;
  process.env.KAFKA_CONSUMERS = '3';
  try {
    assert.equal(fromEnvironment([options.consumers]).bounded(options.consumers), 3);
    assert.equal(resolveOptions([options.kafkaBrokers], [], {}).orEnvironment(options.consumers).bounded(options.consumers), 3);
    assert.equal(resolveOptions([options.consumers], ['--consumers', '5'], {}).orEnvironment(options.consumers).bounded(options.consumers), 5);
  } finally {
    if (saved === undefined) delete process.env.KAFKA_CONSUMERS;
    else process.env.KAFKA_CONSUMERS = saved;
  }
});
