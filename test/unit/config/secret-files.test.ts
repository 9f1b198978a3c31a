import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { options } from '../../../src/config/options.js';
import { resolveOptions } from '../../../src/config/resolve.js';

const dir = mkdtempSync(join(tmpdir(), 'kch-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const specs = [options.clickhousePassword, options.dashboardToken];

test('CLICKHOUSE_PASSWORD_FILE supplies the password, without its trailing newline', () => {
  const file = join(dir, 'password');
  writeFileSync(file, 'p4ss word\n');
  const resolved = resolveOptions(specs, [], { CLICKHOUSE_PASSWORD_FILE: file });
  assert.equal(resolved.string(options.clickhousePassword), 'p4ss word');
  assert.equal(resolved.given_(options.clickhousePassword), true);
  writeFileSync(file, 'crlf\r\n\n');
  assert.equal(resolveOptions(specs, [], { CLICKHOUSE_PASSWORD_FILE: file }).string(options.clickhousePassword), 'crlf\r\n', 'only one newline goes');
});

test('the variable itself wins over nothing, and both at once is a configuration error', () => {
  const file = join(dir, 'both');
  writeFileSync(file, 'from-file');
  assert.equal(resolveOptions(specs, [], { CLICKHOUSE_PASSWORD: 'direct' }).string(options.clickhousePassword), 'direct');
  assert.throws(() => resolveOptions(specs, [], { CLICKHOUSE_PASSWORD: 'direct', CLICKHOUSE_PASSWORD_FILE: file }),
    { code: 'KCH_CONFIG', message: 'CLICKHOUSE_PASSWORD and CLICKHOUSE_PASSWORD_FILE are both set; keep one' });
});

test('an unreadable secret file is one line naming the variable and the path', () => {
  assert.throws(() => resolveOptions(specs, [], { DASHBOARD_TOKEN_FILE: join(dir, 'missing') }),
    { code: 'KCH_CONFIG', message: `DASHBOARD_TOKEN_FILE names ${join(dir, 'missing')}, which cannot be read (ENOENT)` });
});

test('secrets are refused as flags, so they never show in ps', () => {
  assert.throws(() => resolveOptions(specs, ['--clickhouse-password', 'x']), { code: 'KCH_USAGE', message: /would show in the process list; set CLICKHOUSE_PASSWORD/ });
  assert.throws(() => resolveOptions(specs, ['--dashboard-token=x']), { code: 'KCH_USAGE', message: /set DASHBOARD_TOKEN in the environment/ });
});

test('every secret option can come from a file', () => {
  for (const spec of Object.values(options)) {
    if ('secret' in spec && spec.secret) assert.ok('fileEnv' in spec && spec.fileEnv, `${spec.env} has a _FILE variant`);
  }
});
