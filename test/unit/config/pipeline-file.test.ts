import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '../../../src/config/define.js';
import { options } from '../../../src/config/options.js';
import { loadPipelineConfig } from '../../../src/config/pipeline-file.js';
import { resolveOptions } from '../../../src/config/resolve.js';
import { isKchError } from '../../../src/errors/kch-error.js';
import { createLogger } from '../../../src/output/log.js';
import { field } from '../../../src/pipeline/field.js';
import { defineStream } from '../../../src/pipeline/stream.js';
import { streams as seedStreams } from '../../../src/pipeline/streams/index.js';
import { onCleanup } from '../../support/cleanup.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const log = createLogger('test', () => undefined);

async function folder(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kch-config-'));
  onCleanup(t, () => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const orders = (extra = ''): string => `import { defineConfig, defineStream, field, seedStreams } from 'kafka-clickhouse-pipeline';
const orders = defineStream({
  name: 'orders',
  fields: {
    order_id: field.uuid(),
    placed_at: field.timestamp({ precision: 3 }),
    amount: field.decimal({ precision: 18, scale: 2, min: 0, max: 1e6 }),
    city: field.text({ maxLength: 64, lowCardinality: true }).at('ship.city'),
  },
  id: 'order_id',
  time: 'placed_at',
  orderBy: ['placed_at', 'order_id'${extra}],
});
export default defineConfig({ streams: [...seedStreams, orders] });
`;

async function load(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ names: string[]; file: string | undefined }> {
  const config = await loadPipelineConfig(resolveOptions([options.config], argv, env), log);
  return { names: config.streams.map((s) => s.name), file: config.file };
}

async function failure(argv: string[]): Promise<string> {
  try {
    await load(argv);
  } catch (error) {
    assert.ok(isKchError(error), `a KchError, not ${String(error)}`);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error.message;
  }
  assert.fail('expected the config to be refused');
}

test('without a pipeline file: the seed\'s two streams', async (t) => {
  const dir = await folder(t, {});
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const config = await loadPipelineConfig(resolveOptions([options.config], [], {}), log);
    assert.equal(config.file, undefined);
    assert.equal(config.streams, seedStreams);
  } finally {
    process.chdir(cwd);
  }
});

test('kch.config.ts in the current folder, --config and KCH_CONFIG; .ts, .mts, .js and .mjs', async (t) => {
  const dir = await folder(t, {
    'kch.config.ts': orders(),
    'other.mts': orders().replace("name: 'orders'", "name: 'other'"),
    'plain.mjs': orders().replace("name: 'orders'", "name: 'plain'"),
    'plain.js': orders().replace("name: 'orders'", "name: 'js'"),
  });
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    assert.deepEqual(await load([]), { names: ['sales', 'warehouse', 'orders'], file: join(dir, 'kch.config.ts') });
  } finally {
    process.chdir(cwd);
  }
  assert.deepEqual((await load(['--config', join(dir, 'other.mts')])).names, ['sales', 'warehouse', 'other']);
  assert.deepEqual((await load([], { KCH_CONFIG: join(dir, 'plain.mjs') })).names, ['sales', 'warehouse', 'plain']);
  assert.deepEqual((await load([], { KCH_CONFIG: join(dir, 'plain.js') })).names, ['sales', 'warehouse', 'js']);
});

test('a mistake in the pipeline file is one line naming the file, and the stream and field where there is one', async (t) => {
  const dir = await folder(t, {
    'unknown-key.ts': orders(", 'nope'"),
    'syntax.ts': orders().replace('field.uuid(),', 'field.uuid(,'),
    'nothing.ts': 'export const x = 1;\n',
    'twice.ts': orders().replace('[...seedStreams, orders]', '[orders, orders]'),
    'throws.ts': "throw new Error('broken\\nacross lines');\n",
  });
  assert.equal(await failure(['--config', join(dir, 'missing.ts')]), `pipeline file ${join(dir, 'missing.ts')} (--config / KCH_CONFIG) does not exist`);
  assert.equal(await failure(['--config', join(dir, 'unknown-key.ts')]), `${join(dir, 'unknown-key.ts')}: stream orders: orderBy names unknown field "nope"`);
  assert.match(await failure(['--config', join(dir, 'syntax.ts')]), new RegExp(`^${join(dir, 'syntax.ts')}: line 5, column \\d+: .*Unexpected token`));
  assert.match(await failure(['--config', join(dir, 'nothing.ts')]), /nothing\.ts exports no pipeline: end it with export default defineConfig/);
  assert.match(await failure(['--config', join(dir, 'twice.ts')]), /twice\.ts: streams orders and orders both use the name orders/);
  assert.equal(await failure(['--config', join(dir, 'throws.ts')]), `${join(dir, 'throws.ts')}: broken`);
});

test('defineConfig lets streams share a topic, each with its own group and objects, and refuses a shared group or object name, naming both streams', () => {
  const fields = { x: field.int('Int32') };
  const a = defineStream({ name: 'a', topic: 'shared', fields, orderBy: ['x'] });
  const b = defineStream({ name: 'b', topic: 'shared', fields, orderBy: ['x'] });
  assert.deepEqual(defineConfig({ streams: [a, b] }).streams, [a, b]);
  assert.deepEqual([a.kafkaTable, b.kafkaTable, a.consumerGroup, b.consumerGroup], ['a_kafka', 'b_kafka', 'clickhouse_a_consumer', 'clickhouse_b_consumer']);

  const sameGroup = defineStream({ name: 'g', topic: 'shared', consumerGroup: 'clickhouse_a_consumer', fields, orderBy: ['x'] });
  assert.throws(() => defineConfig({ streams: [a, sameGroup] }), { code: 'KCH_DEFINITION', message: 'streams a and g both use the consumer group clickhouse_a_consumer' });
  const c = defineStream({ name: 'c', target: 'a', fields, orderBy: ['x'] });
  assert.throws(() => defineConfig({ streams: [a, c] }), { code: 'KCH_DEFINITION', message: "streams a and c both use the name a (a's target table, c's target table): each object belongs to one stream" });
  // Names made from others count too: the dedup view of target `a` and a stream's own Kafka table.
  const d = defineStream({ name: 'd', kafkaTable: 'a_dedup', fields, orderBy: ['x'] });
  assert.throws(() => defineConfig({ streams: [a, d] }), { message: "streams a and d both use the name a_dedup (a's dedup view, d's Kafka table): each object belongs to one stream" });
  const e = defineStream({ name: 'e', target: 'b_sink_ranges', fields, orderBy: ['x'] });
  assert.throws(() => defineConfig({ streams: [b, e] }), { message: "streams b and e both use the name b_sink_ranges (b's sink ranges table, e's target table): each object belongs to one stream" });
  const self = defineStream({ name: 'f', target: 'f_kafka', fields, orderBy: ['x'] });
  assert.throws(() => defineConfig({ streams: [self] }), { message: 'stream f: its Kafka table and its target table are both named f_kafka' });
  assert.throws(() => defineConfig({ streams: [] }), /at least one stream/);
  // The seed's streams pass, beside one of one's own that reads one of their topics.
  const salesAgain = defineStream({ name: 'sales_audit', topic: 'sales', fields, orderBy: ['x'] });
  assert.equal(defineConfig({ streams: [...seedStreams, salesAgain] }).streams.length, 3);
});

test('a pipeline file loads where the package is not installed: its import is the running kch', async (t) => {
  const dir = await folder(t, { 'kch.config.ts': orders() });
  const result = spawnSync(process.execPath, [cli, 'status', 'orders', '--clickhouse-url', 'http://127.0.0.1:1', '--kafka-brokers', '127.0.0.1:1', '--window', '0s', '--json'], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, KCH_LOG_LEVEL: 'debug' }, timeout: 60_000,
  });
  assert.match(result.stderr, /streams sales, warehouse, orders from .*kch\.config\.ts in \d+ ms/);
  assert.match(result.stdout, /"name": "orders"/, 'status reports the stream of the file');
});

test('a pipeline file type-checks against the package: editor completion and mistakes caught before running', async (t) => {
  const dir = await folder(t, {
    'kch.config.ts': orders(),
    'package.json': '{"type":"module"}\n',
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['kch.config.ts'] }),
  });
  await mkdir(join(dir, 'node_modules'));
  await symlink(root, join(dir, 'node_modules', 'kafka-clickhouse-pipeline'));
  const tsc = (): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', timeout: 60_000 });
  const good = tsc();
  assert.equal(good.status, 0, String(good.stdout));
  await writeFile(join(dir, 'kch.config.ts'), orders(", 'nope'"));
  const bad = tsc();
  assert.equal(bad.status, 2);
  assert.match(String(bad.stdout), /Type '"nope"' is not assignable to type '"order_id" \| "placed_at" \| "amount" \| "city"'/);
});

test('kch up reads the pipeline file before it starts anything: a mistake in it is one line, and nothing runs', async (t) => {
  const dir = await folder(t, { 'kch.config.ts': orders(", 'nope'") });
  const result = spawnSync(process.execPath, [cli, 'up', '--data-dir', join(dir, 'data')], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /kch up: .*kch\.config\.ts: stream orders: orderBy names unknown field "nope"/);
  assert.doesNotMatch(result.stderr, /starting Kafka|\n\s+at /);
});
