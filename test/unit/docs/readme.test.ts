import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { commands } from '../../../src/cli/commands/index.js';
import { options, type OptionSpec } from '../../../src/config/options.js';

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
const settings = readme.slice(readme.indexOf('### Settings'));

test('the README documents every setting with its flag, variable and default', () => {
  for (const spec of Object.values(options) as OptionSpec[]) {
    const row = settings.split('\n').find((line) => spec.env !== undefined && line.includes(`\`${spec.env}\``));
    assert.ok(row, `README row for ${spec.env}`);
    if (!spec.secret) assert.ok(row.includes(`\`--${spec.flag}\``), `flag --${spec.flag} in ${row}`);
    if (spec.default) assert.ok(row.includes(`\`${spec.default}\``), `default ${spec.default} in ${row}`);
  }
});

test('the README lists every command', () => {
  for (const command of commands) assert.match(readme, new RegExp(`\\| \`kch ${command.name}[ \`]`), `kch ${command.name}`);
});

test('the README opens with the two commands', () => {
  const head = readme.slice(0, 1500);
  assert.match(head, /npm install && npm start/);
  assert.match(head, /npm test/);
});
