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

test('the Node.js versions package.json allows are the ones the README states and CI runs', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
  const ci = readFileSync(new URL('../../../../.ci/run', import.meta.url), 'utf8');
  assert.equal(pkg.engines.node, '>=20.19.4 <21 || >=22.19.0');
  const row = readme.split('\n').find((line) => line.startsWith('| Node.js |'));
  assert.ok(row, 'a Node.js row under Supported versions');
  for (const version of ['24', '22.19+', '20.19.4+']) assert.ok(row.includes(version), `${version} in ${row}`);
  assert.match(ci, /npx -y node@24 scripts\/test\.mjs/, 'CI runs the unit suite on Node 24 too');
  assert.match(ci, /^npm test$/m, 'and the whole suite on the machine\'s Node');
});
