/**
 * Every way a statement names a file-system path (the list is in src/clickhouse/embedded/
 * confinement.ts), tried against the embedded server with paths outside its data folder: a folder
 * the test owns must stay empty, a secret file's content must never come back, and the server's
 * working directory (standing for the project folder `kch up` runs in, where chdb resolves
 * relative paths) must stay as it was. Beside each refusal, what still works. One server, in a
 * process of its own so that its working directory is the test's folder.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { serve, type Served } from './fixtures/served.js';

const secret = `kch-secret-${randomBytes(6).toString('hex')}`;
const root = mkdtempSync(join(tmpdir(), 'kch-confine-'));
/** Nothing may appear in here. */
const outside = join(root, 'outside');
/** The server's working directory: a project folder with a secret and a folder of data. */
const workdir = join(root, 'project');
const secretFile = join(root, 'secret.txt');
const schemaFile = join(root, 'schema.proto');

/** Every file under `dir`, with its size: what "stays as it was" compares. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((name) => `${name} ${statSync(join(dir, name)).size}`);
}

mkdirSync(outside);
mkdirSync(join(workdir, 'parts'), { recursive: true });
writeFileSync(join(workdir, '.env'), `TOKEN=${secret}\n`);
writeFileSync(join(workdir, 'parts', 'format_version.txt'), '1');
writeFileSync(secretFile, `${secret}\n`);
writeFileSync(schemaFile, 'syntax = "proto3";\nmessage M { int32 a = 1; }\n');
const workdirAtStart = listing(workdir);

let server: Served;

before(async () => {
  server = await serve(join(root, 'data'), workdir);
  await run('CREATE DATABASE app');
  await run('CREATE TABLE app.s (s String) ENGINE = Memory');
});

after(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** POSTs `sql` (settings as URL parameters, as HTTP clients send them) and returns the answer, whatever it is. */
async function run(sql: string, settings: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(server.url);
  for (const [name, value] of Object.entries(settings)) url.searchParams.set(name, value);
  const response = await fetch(url, { method: 'POST', body: sql });
  const answer = { status: response.status, body: await response.text() };
  assert.ok(!answer.body.includes(secret), `the secret came back from: ${sql}\n${answer.body}`);
  return answer;
}

async function ran(sql: string, settings: Record<string, string> = {}): Promise<string> {
  const answer = await run(sql, settings);
  assert.equal(answer.status, 200, `${sql}: ${answer.body}`);
  return answer.body;
}

/** The statement must be refused with `reason` (the engine's constraint or grant, or the HTTP layer's refusal). */
async function refused(sql: string, reason: RegExp, settings: Record<string, string> = {}): Promise<void> {
  const answer = await run(sql, settings);
  assert.notEqual(answer.status, 200, `the embedded server ran: ${sql}\n${answer.body}`);
  assert.match(answer.body, reason, sql);
}

const CONSTRAINT = /SETTING_CONSTRAINT_VIOLATION/;
const HTTP_LAYER = /is not allowed on the embedded server, which keeps to its data folder/;

test('the Template format reads no template file, by SETTINGS or by URL parameter; inline templates still work', async () => {
  await refused(`SELECT 1 FORMAT Template SETTINGS format_template_row = '${secretFile}'`, CONSTRAINT);
  await refused('SELECT 1 FORMAT Template', CONSTRAINT, { format_template_resultset: secretFile });
  await refused(`SET format_template_row = '${secretFile}'`, CONSTRAINT);
  assert.equal(await ran("SELECT 1 AS a FORMAT Template SETTINGS format_template_row_format = 'a=${a:Quoted}'"), 'a=1');
});

test('Protobuf reads and writes no schema file, not even its cache in the working directory; generated schemas still work', async () => {
  await refused('SELECT 1 AS a FORMAT Protobuf', CONSTRAINT, { output_format_schema: join(outside, 'generated.proto') });
  assert.equal(existsSync(join(outside, 'generated.proto')), false);
  await refused(`SELECT 1 AS a FORMAT Protobuf SETTINGS format_schema = '${schemaFile}:M'`, CONSTRAINT);
  await refused(`SELECT 1 AS a FORMAT Protobuf SETTINGS format_schema_source = 'string', format_schema = 'syntax = "proto3"; message M { int32 a = 1; }', format_schema_message_name = 'M'`, CONSTRAINT);
  await refused(`SELECT 1 SETTINGS format_schema_path = '${outside}'`, /UNKNOWN_SETTING/);
  assert.deepEqual(listing(workdir), workdirAtStart);
  const protobuf = await fetch(server.url, { method: 'POST', body: 'SELECT 1 AS a FORMAT Protobuf' });
  assert.deepEqual([...Buffer.from(await protobuf.arrayBuffer())], [2, 8, 1], 'one length-delimited message: field 1 = 1');
});

test('rejected rows are not written to a file of the caller\'s choosing', async () => {
  const errors = join(outside, 'errors.csv');
  await refused(`SELECT * FROM format(CSV, 'x UInt8', '1\nnot a number\n3') SETTINGS input_format_allow_errors_num = 5, input_format_record_errors_file_path = '${errors}'`, CONSTRAINT);
  assert.equal(existsSync(errors), false);
});

test('a custom disk is refused before ClickHouse makes its folder, whatever its type, for a table, a database or an ALTER', async () => {
  await refused(`CREATE TABLE app.on_local (a UInt8) ENGINE = MergeTree ORDER BY a SETTINGS disk = disk(type = local, path = '${outside}/local/')`, HTTP_LAYER);
  await refused(`CREATE TABLE app.on_blob (a UInt8) ENGINE = MergeTree ORDER BY a SETTINGS disk = disk(type = object_storage, object_storage_type = local_blob_storage, metadata_type = local, path = '${outside}/blob/', metadata_path = '${outside}/meta/')`, HTTP_LAYER);
  await refused(`CREATE TABLE app.on_cache (a UInt8) ENGINE = MergeTree ORDER BY a SETTINGS disk = disk(type = cache, disk = 'default', path = '${outside}/cache/', max_size = '1Mi')`, HTTP_LAYER);
  await refused(`CREATE DATABASE app_on_disk ENGINE = Atomic SETTINGS disk = disk(type = local, path = '${outside}/database/')`, HTTP_LAYER);
  await ran('CREATE TABLE app.plain (a UInt8) ENGINE = MergeTree ORDER BY a');
  await refused(`ALTER TABLE app.plain MODIFY SETTING disk = disk(type = local, path = '${outside}/altered/')`, HTTP_LAYER);
  assert.deepEqual(listing(outside), []);
  // A refused disk() used to stay registered, and a Log table could then write through it by name.
  assert.equal(await ran("SELECT groupArray(name) FROM system.disks"), "['default']\n");
});

test('engines that take a path or run statements are refused: EmbeddedRocksDB, FileLog, QueryRunner; the Log family still works', async () => {
  await refused(`CREATE TABLE app.rocks (k UInt8) ENGINE = EmbeddedRocksDB(0, '${outside}/rocks') PRIMARY KEY k`, HTTP_LAYER);
  await refused("CREATE TABLE app.dotenv (line String) ENGINE = FileLog('.env', 'LineAsString')", HTTP_LAYER);
  // QueryRunner runs the statements inserted into it, which the HTTP layer would never see.
  await refused('CREATE TABLE app.runner (query String, database String, settings Map(String, String)) ENGINE = QueryRunner', HTTP_LAYER);
  assert.deepEqual(listing(outside), []);
  await ran('CREATE TABLE app.log (a UInt8) ENGINE = Log');
  await ran('INSERT INTO app.log VALUES (7)');
  assert.equal(await ran('SELECT a FROM app.log'), '7\n');
});

test('a Kafka table is given no path: format settings and kafka_schema in its SETTINGS, its schema argument', async () => {
  const kafka = "kafka_broker_list = '127.0.0.1:9', kafka_topic_list = 't', kafka_group_name = 'g'";
  await refused(`CREATE TABLE app.k_template (a UInt8) ENGINE = Kafka SETTINGS ${kafka}, kafka_format = 'Template', format_template_row = '${secretFile}'`, HTTP_LAYER);
  // Had it been made, its first INSERT would have read the template and answered with its text.
  await refused('INSERT INTO app.k_template VALUES (1)', /UNKNOWN_TABLE/);
  await refused(`CREATE TABLE app.k_schema (a UInt8) ENGINE = Kafka SETTINGS ${kafka}, kafka_format = 'Protobuf', kafka_schema = '${schemaFile}:M'`, HTTP_LAYER);
  await refused(`CREATE TABLE app.k_values (s String) ENGINE = Kafka SETTINGS ${kafka}, kafka_format = 'Values', input_format_values_interpret_expressions = 1`, HTTP_LAYER);
  await refused(`CREATE TABLE app.k_argument (a UInt8) ENGINE = Kafka('127.0.0.1:9', 't', 'g', 'Protobuf', '', '${schemaFile}:M')`, HTTP_LAYER);
  await ran(`CREATE TABLE app.k_plain (a UInt8) ENGINE = Kafka SETTINGS ${kafka}, kafka_format = 'JSONEachRow'`);
});

test('ATTACH … FROM a folder of the working directory is refused, and the folder stays where it is', async () => {
  await refused("ATTACH TABLE app.attached FROM 'parts' (a UInt8) ENGINE = MergeTree ORDER BY a", HTTP_LAYER);
  assert.deepEqual(listing(workdir), workdirAtStart);
});

test('file() is refused however a call reaches the engine: Values rows, format(Values), table filters, eval(), another dialect', async () => {
  const call = `file('${secretFile}')`;
  await refused(`INSERT INTO app.s FORMAT Values ('plain'), (${call})`, /Interpreting expressions is disabled/);
  await refused(`SELECT * FROM format(Values, 's String', '(${call.replaceAll("'", "''")})')`, /Interpreting expressions is disabled/);
  await refused(`SELECT * FROM app.s SETTINGS additional_table_filters = {'app.s': '${call.replaceAll("'", "''")} != s'}`, CONSTRAINT);
  await refused(`SELECT * FROM app.s SETTINGS additional_result_filter = '${call.replaceAll("'", "''")} != s'`, CONSTRAINT);
  await refused(`SELECT * FROM eval('SELECT ${call.replaceAll("'", "''")}') SETTINGS allow_experimental_eval_table_function = 1`, CONSTRAINT);
  await refused('print x = 1', CONSTRAINT, { dialect: 'kusto', allow_experimental_kusto_dialect: '1' });
  await refused(`SELECT ${call}`, HTTP_LAYER);
  assert.equal(await ran('SELECT count() FROM app.s'), '0\n');
  // Values take literals: an expression is refused, a literal is not.
  await refused('INSERT INTO app.s VALUES (toString(now()))', /Interpreting expressions is disabled/);
  await ran("INSERT INTO app.s VALUES ('plain')");
  assert.equal(await ran('SELECT s FROM app.s'), 'plain\n');
});

test('no heap profile, backup or restore, Backup database or named collection touches a file', async () => {
  await refused('SYSTEM JEMALLOC FLUSH PROFILE', /grant SYSTEM JEMALLOC/);
  assert.deepEqual(readdirSync(tmpdir()).filter((name) => name.startsWith(`jemalloc_clickhouse.${server.pid}.`)), []);
  await refused(`BACKUP TABLE app.s TO File('${outside}/backup')`, /backups\.allowed_path/);
  await refused(`RESTORE TABLE app.s AS app.restored FROM File('${outside}/backup')`, /backups\.allowed_path/);
  await refused(`BACKUP TABLE app.s TO Disk('default', '${relative(join(root, 'data', 'clickhouse'), outside)}/backup')`, /backups\.allowed_disk/);
  await refused(`CREATE DATABASE app_backup ENGINE = Backup('app', File('${outside}/backup'))`, HTTP_LAYER);
  await refused(`CREATE NAMED COLLECTION app_collection AS kafka_schema = '${schemaFile}:M'`, HTTP_LAYER);
  await refused('CREATE NAMED COLLECTION app_collection AS kafka_format = \'Protobuf\'', /grant CREATE NAMED COLLECTION/);
});

test('after all of it, nothing was written outside the data folder and the working directory is as it was', () => {
  assert.deepEqual(listing(outside), []);
  assert.deepEqual(listing(workdir), workdirAtStart);
});
