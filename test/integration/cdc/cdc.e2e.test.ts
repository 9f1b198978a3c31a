/**
 * A PostgreSQL table of ten column types into ClickHouse through `kch cdc add`, as a user runs it
 * from an empty folder: a real PostgreSQL 15, a real Kafka Connect worker with Debezium (`kch
 * connect`), the harness's Kafka and ClickHouse. Rows there before the connector (its snapshot),
 * then a workload of more than 10,000 changes — inserts, the same rows updated again and again,
 * more than 10 % deletes, primary-key updates — after which `kch verify --against` says equal, and
 * so does this test's own comparison of the two tables. Then one row changed in ClickHouse alone:
 * verify names that key and exits 1. `kch cdc list`, `kch status` and `kch cdc remove` on the way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, runCli } from '../../support/cli.js';
import { onCleanup } from '../../support/cleanup.js';
import { clickhouse, services, uniqueName } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { postgresAvailable, startPostgres } from '../../support/postgres.js';
import { PollAbort, pollUntil } from '../../support/wait.js';

// Skipped on a machine without them, never in CI (.ci/run installs PostgreSQL): there it fails instead.
const skip = postgresAvailable() || process.env.CI ? false : 'PostgreSQL 15 (Debian\'s pg_createcluster) or root is missing here';

/** One row of either side, each value as text the test compares itself (not verify's canonical forms). */
type Row = Record<string, unknown>;

/** The decimal's value without trailing zeros: 12.50 and 12.5 are one number. */
const decimal = (text: unknown): string | null => (text === null ? null : (text as string).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''));

function sameRow(pg: Row, ch: Row): string[] {
  const differ: string[] = [];
  const check = (name: string, a: unknown, b: unknown): void => {
    try {
      assert.deepStrictEqual(a, b);
    } catch {
      differ.push(`${name}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  };
  check('qty', pg.qty, ch.qty);
  check('big', pg.big, ch.big);
  check('price', decimal(pg.price), decimal(ch.price));
  check('name', pg.name, ch.name);
  check('active', pg.active, ch.active);
  check('updated_us', pg.updated_us, ch.updated_us);
  check('added_on', pg.added_on, ch.added_on === null ? null : (ch.added_on as string).replace(/Z$/, ''));
  check('ref', pg.ref, ch.ref);
  check('attrs', pg.attrs, ch.attrs === null ? null : JSON.parse(ch.attrs as string));
  check('tags', pg.tags ?? [], ch.tags);
  return differ;
}

test('kch cdc add captures a PostgreSQL table; after 10,000+ changes kch verify --against finds the ClickHouse table equal, then names a row changed behind its back', { skip, timeout: 420_000 }, async (t) => {
  const { kafka, clickhouseUrl } = services();
  const pg = await startPostgres(t);
  await pg.sql(`CREATE TABLE public.items (
    id integer PRIMARY KEY,
    big bigint NOT NULL,
    price numeric(12, 2),
    name text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL,
    added_on date,
    ref uuid,
    attrs jsonb,
    tags text[],
    qty smallint NOT NULL DEFAULT 0
  )`);
  // The rows there before the connector: its snapshot.
  await pg.sql(`INSERT INTO public.items (id, big, price, name, active, updated_at, added_on, ref, attrs, tags)
    SELECT g, g::bigint * 3000000000, g * 1.25, 'item ' || g, g % 3 <> 0, '2026-12-07 10:00:00.123456+00'::timestamptz + g * interval '1 second',
           CASE WHEN g % 5 = 0 THEN NULL ELSE date '2026-01-01' + g END, md5(g::text)::uuid,
           CASE WHEN g % 7 = 0 THEN NULL ELSE jsonb_build_object('g', g, 'nested', jsonb_build_object('x', 1.50, 'list', jsonb_build_array(g, 'a'))) END,
           CASE WHEN g % 4 = 0 THEN NULL ELSE ARRAY['t' || g, 'é'] END
      FROM generate_series(1, 2000) g`);

  // What cannot be captured is said in one line, before anything is written or registered.
  const mistakes = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, PGPASSWORD: pg.password, CONNECT_URL: `http://127.0.0.1:${await freePort()}`, KCH_CONFIG: '' };
  const early = await mkdtemp(join(tmpdir(), 'kch-cdc-early-'));
  onCleanup(t, () => rm(early, { recursive: true, force: true }));
  await pg.sql('CREATE TABLE public.loose (n integer)');
  const pgUrl = `postgresql://${pg.user}@${pg.host}:${pg.port}/${pg.database}`;
  for (const [table, said] of [
    ['public.nope', /^kch cdc: no table public\.nope in postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres; public has items, loose\n$/],
    ['public.loose', /^kch cdc: public\.loose has no primary key: .*ALTER TABLE public\.loose ADD PRIMARY KEY \(…\)\n$/],
    ['public.items', /^kch cdc: Kafka Connect does not answer at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): start it with kch connect \(or kch up --connect\), or give --connect-url\n$/],
  ] as const) {
    const refused = await runCli(['cdc', 'add', pgUrl, '--table', table], mistakes, 60_000, early);
    assert.equal(refused.code, 1, `${table}: ${refused.stderr}`);
    assert.match(refused.stderr, said);
  }
  const wrongPassword = await runCli(['cdc', 'add', `postgresql://${pg.user}:not-it@${pg.host}:${pg.port}/${pg.database}`, '--table', 'public.items'], mistakes, 60_000, early);
  assert.match(wrongPassword.stderr, /^kch cdc: PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres refused connecting: .*\(password authentication failed: set PGPASSWORD/);
  assert.doesNotMatch(wrongPassword.stderr, /not-it/);
  assert.deepEqual(await readdir(early), [], 'nothing written');

  const dataDir = await mkdtemp(join(tmpdir(), 'kch-cdc-'));
  onCleanup(t, () => rm(dataDir, { recursive: true, force: true }));
  const folder = await mkdtemp(join(tmpdir(), 'kch-cdc-folder-'));
  onCleanup(t, () => rm(folder, { recursive: true, force: true }));
  const prefix = `${uniqueName('cdc')}_`;
  const database = uniqueName('cdc');
  const ch = clickhouse(clickhouseUrl);
  onCleanup(t, () => ch.close());
  onCleanup(t, () => ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }));
  const port = await freePort();
  const worker = new CliProcess(['connect', '--kafka-brokers', kafka, '--connect-port', String(port), '--topic-prefix', prefix], { KCH_DATA_DIR: dataDir });
  // After the data folder's removal was registered: runs first, so the worker is gone before its folder.
  onCleanup(t, () => worker.stop());
  await pollUntil('kch connect to be ready', async () => {
    if (worker.child.exitCode !== null) throw new PollAbort(`kch connect exited:\n${worker.output}`);
    return /connect ready on/.test(worker.output) ? true : undefined;
  }, 180_000);

  const env = {
    KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: prefix,
    CONNECT_URL: `http://127.0.0.1:${port}`, PGPASSWORD: pg.password, KCH_CONFIG: '',
  };
  const url = pgUrl;
  const added = await runCli(['cdc', 'add', url, '--table', 'public.items'], env, 240_000, folder);
  assert.equal(added.code, 0, `${added.stdout}\n${added.stderr}`);
  assert.match(added.stdout, /wrote kch\.config\.ts \(stream items, key id, 11 fields\)/);
  assert.match(added.stdout, /connector kch-items running/);
  assert.doesNotMatch(`${added.stdout}${added.stderr}`, new RegExp(pg.password), 'the password is never printed');
  const written = await readFile(join(folder, 'kch.config.ts'), 'utf8');
  assert.doesNotMatch(written, new RegExp(pg.password), 'nor written into kch.config.ts');
  assert.match(written, /key: \['id'\],\n {2}envelope: 'debezium',/);

  // The workload: 10,583 changes in 17 transactions.
  await pg.sql(`INSERT INTO public.items (id, big, price, name, updated_at, added_on, ref, attrs, tags)
    SELECT g, -g, g / 8.0, 'new ' || g, now(), date '2000-02-29', gen_random_uuid(), '{"z": [], "a": {}}', ARRAY[]::text[]
      FROM generate_series(2001, 5000) g`);
  for (let round = 1; round <= 12; round++) {
    await pg.sql(`UPDATE public.items SET qty = qty + 1, price = coalesce(price, 0) + ${round}.01, active = NOT active, updated_at = updated_at + interval '1 microsecond',
                    attrs = CASE WHEN attrs IS NULL THEN NULL ELSE jsonb_set(attrs, '{round}', '${round}') END, tags = array_append(tags, 'r${round}')
                  WHERE id <= 500`);
  }
  await pg.sql('DELETE FROM public.items WHERE id % 3 = 0 AND id <= 4500');
  await pg.sql('UPDATE public.items SET id = id + 100000 WHERE id BETWEEN 4991 AND 5000');
  await pg.sql(`UPDATE public.items SET name = name || ' (again)', ref = NULL, added_on = NULL, price = NULL WHERE id BETWEEN 4001 AND 4110`);
  // 37 of the last 110 were deleted before.
  const [inserts, updates, deletes, keyUpdates, lastUpdates] = [3000, 12 * 500, 1500, 10, 110 - 37];
  assert.ok(inserts + updates + deletes + keyUpdates + lastUpdates >= 10_000);
  assert.ok(deletes / (inserts + updates + deletes + keyUpdates + lastUpdates) >= 0.1);

  const verify = await runCli(['verify', '--against', url, '--table', 'public.items', '--timeout', '3m'], env, 240_000, folder);
  assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
  assert.match(verify.stdout, /caught up +yes/);
  assert.match(verify.stdout, /rows +source 3,500, clickhouse 3,500\n/);
  assert.match(verify.stdout, /\nEQUAL\n$/);

  // The test's own comparison, with code of its own.
  const pgRows = JSON.parse(await pg.sql(`SELECT coalesce(json_agg(r ORDER BY id), '[]') FROM (
      SELECT id, qty, big::text AS big, price::text AS price, name, active, ((extract(epoch FROM updated_at) * 1000000)::bigint)::text AS updated_us,
             added_on::text AS added_on, ref::text AS ref, attrs, tags FROM public.items) r`)) as Row[];
  const chRows = await (await ch.query({
    query: `SELECT id, qty, toString(big) AS big, toString(price) AS price, name, active, toString(toUnixTimestamp64Micro(updated_at)) AS updated_us,
                   added_on, toString(ref) AS ref, attrs, tags FROM ${database}.items FINAL ORDER BY id`,
    format: 'JSONEachRow',
  })).json<Row>();
  assert.equal(chRows.length, pgRows.length);
  assert.deepEqual(chRows.map((r) => r.id), pgRows.map((r) => r.id));
  const differing = pgRows.flatMap((row, i) => sameRow(row, chRows[i]!).map((d) => `id ${String(row.id)}: ${d}`));
  assert.deepEqual(differing.slice(0, 5), []);
  assert.equal(Number((await (await ch.query({ query: `SELECT count() AS n FROM ${database}.items_dead_letter`, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n), 0, 'no dead letter');

  const listed = await runCli(['cdc', 'list'], env, 60_000, folder);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`kch-items +RUNNING +items +public\\.items +${prefix}postgres\\.public\\.items +0\\n`));
  const status = await runCli(['status', 'items', '--window', '1s'], env, 60_000, folder);
  assert.match(status.stdout, /kch-items RUNNING \(task 0 RUNNING\): public\.items → stream items/);

  // One row changed in ClickHouse alone, as the newest version of its key.
  await ch.command({ query: `INSERT INTO ${database}.items (id, big, name, active, updated_at, qty, kch_version, kch_deleted)
    SELECT id, big, 'tampered', active, updated_at, qty, kch_version + 1, 0 FROM ${database}.items FINAL WHERE id = 7` });
  const diverged = await runCli(['verify', '--against', url, '--table', 'public.items', '--timeout', '60s'], env, 180_000, folder);
  assert.equal(diverged.code, 1, `${diverged.stdout}\n${diverged.stderr}`);
  assert.match(diverged.stdout, /differences 0 missing from ClickHouse, 0 extra in ClickHouse, 1 different \(at a second look too\)/);
  assert.match(diverged.stdout, /different id=7: [^\n]*name \(source item 7, clickhouse tampered\)/);
  assert.match(diverged.stdout, /\nNOT EQUAL\n$/);

  const removed = await runCli(['cdc', 'remove', 'items'], env, 120_000, folder);
  assert.equal(removed.code, 0, `${removed.stdout}\n${removed.stderr}`);
  assert.match(removed.stdout, /deleted connector kch-items/);
  assert.match(removed.stdout, new RegExp(`dropped replication slot kch_${prefix}items; dropped publication kch_${prefix}items`));
  assert.equal(await pg.sql('SELECT count(*) FROM pg_replication_slots'), '0', 'no slot left to hold the server\'s log');
  assert.match(removed.stdout, /stream items and its table stay/);
});

test('kch cdc add\'s usage mistakes and an unreachable PostgreSQL are one line each, never a stack', async () => {
  const { kafka } = services();
  const env = { KAFKA_BROKERS: kafka, KCH_CONFIG: '' };
  const port = await freePort();
  const cases: [string[], number, RegExp][] = [
    [['cdc', 'add', 'mysql://app:hunter2@db/shop', '--table', 'public.items'], 2, /^kch cdc: "mysql:\/\/app:\*\*\*@db\/shop" is not a PostgreSQL URL \(its scheme is mysql, not postgresql\): give postgresql:\/\/user@host:port\/database, the password in PGPASSWORD\n$/],
    [['cdc', 'add', 'postgresql://app@db/shop'], 2, /^kch cdc: name the table: --table schema\.table\n$/],
    [['cdc', 'add', `postgresql://app:hunter2@127.0.0.1:${port}/shop`, '--table', 'public.items'], 1, new RegExp(`^kch cdc: cannot reach PostgreSQL at postgresql://app@127\\.0\\.0\\.1:${port}/shop \\(ECONNREFUSED\\) while connecting: is it running, and is that its address\\?\\n$`)],
    [['cdc', 'frobnicate'], 2, /^kch cdc: kch cdc add <postgresql:\/\/…> --table <schema\.table>, kch cdc list, or kch cdc remove <stream>\n$/],
    [['verify', '--against', 'postgresql://app@db/shop'], 2, /^kch verify: with --against, name the table: --table schema\.table\n$/],
  ];
  for (const [args, code, said] of cases) {
    const result = await runCli(args, env, 60_000);
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, said);
    assert.doesNotMatch(result.stderr, /hunter2/);
  }
});
