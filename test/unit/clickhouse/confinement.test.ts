import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserRefusal } from '../../../src/clickhouse/embedded/browser-guard.js';
import { FIXED_SETTINGS, grantStatements, POLICY, serverXml, usersXml } from '../../../src/clickhouse/embedded/confinement.js';
import { escapesDataFolder, scanStatement } from '../../../src/clickhouse/embedded/statement.js';

const local = { host: '127.0.0.1', port: 8123 };

test('requests of non-browser clients and of the server\'s own pages go through', () => {
  assert.equal(browserRefusal({ host: '127.0.0.1:8123' }, local), undefined);
  assert.equal(browserRefusal({ host: 'localhost:8123' }, local), undefined);
  assert.equal(browserRefusal({}, local), undefined, 'HTTP/1.0 without Host: not a browser');
  assert.equal(browserRefusal({ host: '127.0.0.1:8123', origin: 'http://127.0.0.1:8123' }, local), undefined);
  assert.equal(browserRefusal({ host: '127.0.0.1:8123', 'sec-fetch-site': 'none' }, local), undefined);
  assert.equal(browserRefusal({ host: '[::1]:8123' }, { host: '::1', port: 8123 }), undefined);
});

test('a browser\'s request for another page is refused: foreign Origin, rebound Host, cross-site fetch metadata', () => {
  assert.match(browserRefusal({ host: '127.0.0.1:8123', origin: 'http://evil.example' }, local) ?? '', /another origin/);
  assert.match(browserRefusal({ host: '127.0.0.1:8123', origin: 'null' }, local) ?? '', /another origin/);
  assert.match(browserRefusal({ host: '127.0.0.1:8123', origin: 'http://127.0.0.1:3000' }, local) ?? '', /another origin/, 'another port is another origin');
  assert.match(browserRefusal({ host: 'evil.example:8123' }, local) ?? '', /not this server's address/);
  assert.equal(browserRefusal({ host: '127.0.0.1:8443' }, local), undefined, 'a local TLS proxy forwards its own port');
  assert.match(browserRefusal({ host: '127.0.0.2:8123' }, local) ?? '', /not this server's address/);
  assert.match(browserRefusal({ host: '127.0.0.1:8123', 'sec-fetch-site': 'cross-site' }, local) ?? '', /Sec-Fetch-Site/);
  assert.match(browserRefusal({ host: '127.0.0.1:8123', 'sec-fetch-site': 'same-site' }, local) ?? '', /Sec-Fetch-Site/);
});

test('listening beyond loopback, Host is not checked (names cannot be known) but Origin still is', () => {
  const lan = { host: '0.0.0.0', port: 8123 };
  assert.equal(browserRefusal({ host: 'ch.lan:8123' }, lan), undefined);
  assert.equal(browserRefusal({ host: 'ch.lan:8123', origin: 'http://ch.lan:8123' }, lan), undefined);
  assert.match(browserRefusal({ host: 'ch.lan:8123', origin: 'http://evil.example' }, lan) ?? '', /another origin/);
});

/** What the HTTP layer refuses in `sql` (its `what`), or undefined. */
function escape(sql: string): string | undefined {
  return escapesDataFolder(sql, scanStatement(Buffer.from(sql, 'utf8')), POLICY)?.what;
}

test('file( is found however it is written, and nothing else is taken for it', () => {
  assert.equal(escape("SELECT file('/etc/passwd')"), 'file()');
  assert.equal(escape("SELECT length((SELECT file ('/etc/passwd')))"), 'file()');
  assert.equal(escape("SELECT `file`('/etc/passwd')"), 'file()');
  assert.equal(escape('SELECT "file"(\'x\')'), 'file()');
  assert.equal(escape("SELECT `\\x66ile`('/etc/passwd')"), 'file()');
  assert.equal(escape("INSERT INTO FUNCTION file('/tmp/x', 'CSV') SELECT 1"), 'file()');
  assert.equal(escape("INSERT INTO t VALUES ('a', file('/etc/passwd'))"), 'file()');
  assert.equal(escape('SELECT file FROM t WHERE file = \'file(\''), undefined);
  assert.equal(escape('SELECT 1 -- file(x)'), undefined);
});

test('a custom disk is refused wherever disk… is called, as ClickHouse tells a disk function', () => {
  assert.equal(escape("CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a SETTINGS disk = disk(type = local, path = '/tmp/d/')"), 'disk()');
  assert.equal(escape("CREATE DATABASE d SETTINGS disk = disk(type = local, path = '/tmp/d/')"), 'disk()');
  assert.equal(escape("ALTER TABLE t MODIFY SETTING disk = `disk_x`(type = cache, disk = 'default', path = '/tmp/c/')"), 'disk_x()');
  assert.equal(escape("CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a SETTINGS disk = 'default'"), undefined);
  assert.equal(escape('SELECT disk FROM system.parts'), undefined);
});

test('only the allowed engines make tables and databases, however the ENGINE clause is written', () => {
  assert.equal(escape("CREATE TABLE t (a UInt8) ENGINE = EmbeddedRocksDB(0, '/tmp/r') PRIMARY KEY a"), 'the table engine EmbeddedRocksDB');
  assert.equal(escape('CREATE TABLE t (a UInt8) ENGINE EmbeddedRocksDB PRIMARY KEY a'), 'the table engine EmbeddedRocksDB');
  assert.equal(escape("create table t (a UInt8) primary key a engine /* c */ = `EmbeddedRocksDB`(0, '/tmp/r')"), 'the table engine EmbeddedRocksDB');
  assert.equal(escape("CREATE TABLE t (a UInt8) ENGINE = embeddedrocksdb(0, '/tmp/r') PRIMARY KEY a"), 'the table engine embeddedrocksdb');
  assert.equal(escape("CREATE TEMPORARY TABLE t (s String) ENGINE = FileLog('.env', 'LineAsString')"), 'the table engine FileLog');
  assert.equal(escape('CREATE TABLE t (query String, database String, settings Map(String, String)) ENGINE = QueryRunner'), 'the table engine QueryRunner');
  assert.equal(escape('CREATE TABLE t2 AS t ENGINE = Distributed(c, db, t)'), 'the table engine Distributed');
  assert.equal(escape('CREATE MATERIALIZED VIEW v ENGINE = Set AS SELECT 1'), 'the table engine Set');
  assert.equal(escape('CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY engine'), 'the table engine (none)', 'an unquoted column named engine is not told from the clause');
  assert.equal(escape('CREATE DATABASE d ENGINE = Lazy(60)'), 'the database engine Lazy');
  assert.equal(escape("ATTACH DATABASE d ENGINE = SQLite('/tmp/x.db')"), 'the database engine SQLite');
  for (const sql of [
    'CREATE TABLE IF NOT EXISTS db.t\n(\n    `a` UInt8\n)\nENGINE = ReplacingMergeTree(v)\nORDER BY (a)',
    'CREATE TABLE t (`engine` String) ENGINE = MergeTree() ORDER BY `engine`',
    "CREATE TABLE k (a UInt8) ENGINE = Kafka() SETTINGS kafka_broker_list = 'b:9092', kafka_topic_list = 't', kafka_group_name = 'g', kafka_format = 'RawBLOB'",
    'CREATE TABLE t (a UInt8) ORDER BY a',
    'CREATE MATERIALIZED VIEW v TO t AS SELECT engine FROM system.tables',
    'CREATE TABLE t ENGINE = Memory AS SELECT name AS engine FROM system.tables',
    'CREATE OR REPLACE TABLE t (a UInt8) ENGINE = Log',
    'CREATE DATABASE IF NOT EXISTS d',
    'CREATE DATABASE d ENGINE = Atomic',
    'SELECT engine FROM system.tables',
    "CREATE FUNCTION f ENGINE = C() AS 'int main() {}'",
  ]) assert.equal(escape(sql), undefined, sql);
});

test('settings a table or view would keep are refused in DDL; queries are left to the profile\'s constraints', () => {
  assert.equal(escape("CREATE TABLE k (a UInt8) ENGINE = Kafka SETTINGS kafka_format = 'Template', format_template_row = '/etc/passwd'"), 'the setting format_template_row in CREATE');
  assert.equal(escape("CREATE TABLE k (a UInt8) ENGINE = Kafka SETTINGS kafka_format = 'Protobuf', `kafka_schema` = '/etc/x.proto:M'"), 'the setting kafka_schema in CREATE');
  assert.equal(escape("CREATE TABLE k (a UInt8) ENGINE = Kafka SETTINGS kafka_format = 'Values', INPUT_FORMAT_VALUES_INTERPRET_EXPRESSIONS = 1"), 'the setting INPUT_FORMAT_VALUES_INTERPRET_EXPRESSIONS in CREATE');
  assert.equal(escape("CREATE VIEW v AS SELECT * FROM t SETTINGS additional_table_filters = {'t': 'a > 1'}"), 'the setting additional_table_filters in CREATE');
  assert.equal(escape("CREATE NAMED COLLECTION c AS kafka_schema = '/etc/x.proto:M'"), 'the setting kafka_schema in CREATE');
  assert.equal(escape("SELECT 1 FORMAT Template SETTINGS format_template_row = '/etc/passwd'"), undefined, 'the constraint refuses it');
  assert.equal(escape("SET output_format_schema = '/tmp/x.proto'"), undefined, 'the constraint refuses it');
  for (const name of Object.keys(FIXED_SETTINGS)) assert.ok(POLICY.storedSettings.includes(name), name);
});

test("a Kafka table's schema argument (its sixth) is refused unless empty", () => {
  assert.equal(escape("CREATE TABLE k (a UInt8) ENGINE = Kafka('b:9092', 't', 'g', 'Protobuf', '', '/etc/x.proto:M')"), "a Kafka table's schema argument");
  assert.equal(escape("CREATE TABLE k (a UInt8) ENGINE = Kafka('b:9092', 't', 'g', 'Protobuf', '', concat('/etc', '/x.proto:M'), 1)"), "a Kafka table's schema argument");
  assert.equal(escape("CREATE TABLE k (a UInt8) ENGINE = Kafka('b:9092', 't', 'g', 'Protobuf', '', $$/etc/x.proto:M$$)"), "a Kafka table's schema argument");
  assert.equal(escape("CREATE TABLE k (a UInt8) ENGINE = Kafka('b:9092', 't', 'g', 'JSONEachRow', '', '', 2)"), undefined);
  assert.equal(escape("CREATE TABLE k (a UInt8) ENGINE = Kafka('b:9092', 't', 'g', 'JSONEachRow')"), undefined);
});

test('ATTACH … FROM a path is refused; ATTACH of a table or a partition is not', () => {
  assert.equal(escape("ATTACH TABLE t FROM 'some/folder' (a UInt8) ENGINE = MergeTree ORDER BY a"), 'ATTACH … FROM a path');
  assert.equal(escape('ATTACH TABLE db.t'), undefined);
  assert.equal(escape('ALTER TABLE t ATTACH PARTITION tuple() FROM other'), undefined);
});

test('the grants keep every source but Kafka out of reach, and neither named collections nor heap profiles', () => {
  assert.deepEqual(grantStatements(), [
    'GRANT ALL ON *.*',
    'REVOKE SOURCES ON *.*',
    'REVOKE TABLE ENGINE ON *',
    'REVOKE CREATE DICTIONARY ON *.*',
    'REVOKE NAMED COLLECTION ADMIN ON *',
    'REVOKE SYSTEM JEMALLOC ON *.*',
    'REVOKE SYSTEM SHUTDOWN ON *.*',
    'GRANT KAFKA ON *.*',
    `GRANT ${POLICY.tableEngines.map((e) => `TABLE ENGINE ON ${e}`).join(', ')}`,
  ]);
  const users = usersXml();
  assert.match(users, /<query>REVOKE SOURCES ON \*\.\*<\/query>/);
  assert.match(users, /<input_format_values_interpret_expressions>0<\/input_format_values_interpret_expressions>/);
  assert.match(users, /<constraints>[^]*<format_template_row><readonly\/><\/format_template_row>[^]*<\/constraints>/);
  const xml = serverXml('/data/a&b');
  assert.match(xml, /<users_config>\/data\/a&amp;b\/kch-users\.xml<\/users_config>/);
  assert.match(xml, /<user_scripts_path>\/data\/a&amp;b\/user_scripts\/<\/user_scripts_path>/);
  assert.match(xml, /<remote_url_allow_hosts><host>kch-no-remote-access\.invalid<\/host><\/remote_url_allow_hosts>/);
});
