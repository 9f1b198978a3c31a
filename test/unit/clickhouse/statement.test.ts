import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanStatement, splitStatement } from '../../../src/clickhouse/embedded/statement.js';

const scan = (sql: string) => scanStatement(Buffer.from(sql, 'utf8'));

test('kinds: SELECT/WITH/parenthesis stream, INSERT carries data, the rest is other', () => {
  assert.equal(scan('SELECT 1').kind, 'select');
  assert.equal(scan('  with 1 as x select x').kind, 'select');
  assert.equal(scan('(SELECT 1) UNION ALL (SELECT 2)').kind, 'select');
  assert.equal(scan('-- comment\n/* block /* nested */ */ SELECT 1').kind, 'select');
  assert.equal(scan('INSERT INTO t VALUES (1)').kind, 'insert');
  assert.equal(scan('CREATE TABLE t (a UInt8) ENGINE = Memory').kind, 'other');
  assert.equal(scan('SHOW TABLES').kind, 'other');
  assert.equal(scan('  \n ').kind, 'empty');
  assert.equal(scan('-- only a comment').kind, 'empty');
});

test('FORMAT clause: found at the end, not mistaken for a column named format', () => {
  assert.equal(scan('SELECT 1 FORMAT JSONEachRow').format, 'JSONEachRow');
  assert.equal(scan('SELECT 1 FORMAT JSON;').format, 'JSON');
  assert.equal(scan('SELECT 1 FORMAT JSON SETTINGS max_threads = 1').format, 'JSON');
  assert.equal(scan('SELECT format FROM t').format, undefined);
  assert.equal(scan('SELECT x AS format FROM t WHERE y = 1').format, undefined);
  assert.equal(scan("SELECT 'FORMAT JSON'").format, undefined);
  assert.equal(scan('SELECT (1 FORMAT JSON)').format, undefined);
  assert.equal(scan('SHOW TABLES FORMAT JSONCompact').format, 'JSONCompact');
});

test('several statements are detected; trailing semicolons and those inside strings are not', () => {
  assert.equal(scan('SELECT 1; SELECT 2').multiStatement, true);
  assert.equal(scan('SELECT 1;').multiStatement, false);
  assert.equal(scan('SELECT 1;;  -- done').multiStatement, false);
  assert.equal(scan("SELECT ';' AS s, `a;b`, \"c;d\", $$e;f$$").multiStatement, false);
  assert.equal(scan("SELECT 'it''s; fine', 'esc\\'; ok'").multiStatement, false);
});

test('INTO OUTFILE and FROM INFILE are noticed', () => {
  assert.equal(scan("SELECT 1 INTO OUTFILE '/tmp/x'").intoOutfile, true);
  assert.equal(scan("INSERT INTO t FROM INFILE '/etc/passwd' FORMAT CSV").fromInfile, true);
  assert.equal(scan("SELECT 'INTO OUTFILE'").intoOutfile, false);
});

test('SET, USE and temporary tables change the session', () => {
  assert.equal(scan('SET max_threads = 1').changesSession, true);
  assert.equal(scan('USE db').changesSession, true);
  assert.equal(scan('CREATE TEMPORARY TABLE x (a UInt8)').changesSession, true);
  assert.equal(scan('CREATE TABLE x (a UInt8) ENGINE = Memory').changesSession, false);
  assert.equal(scan('SELECT 1').changesSession, false);
});

test('INSERT … FORMAT: target, columns, format and where the data starts', () => {
  const sql = 'INSERT INTO db.events (id, `name`) FORMAT JSONEachRow\n{"id":1}';
  const info = scan(sql);
  assert.equal(info.format, 'JSONEachRow');
  assert.deepEqual(info.target, { table: 'db.events', columns: ['id', 'name'] });
  assert.equal(sql.slice(info.dataStart), '{"id":1}');
  assert.equal(sql.slice(0, info.formatEnd), 'INSERT INTO db.events (id, `name`) FORMAT JSONEachRow');
  assert.equal(sql.slice(info.infileAt), 'FORMAT JSONEachRow\n{"id":1}');
});

test('INSERT data starts after blanks and one newline only (ClickHouse\'s rule), even for TSV', () => {
  const sql = 'INSERT INTO t FORMAT TabSeparated  \r\n\n1\t2';
  assert.equal(sql.slice(scan(sql).dataStart), '\n1\t2');
  const inline = 'INSERT INTO t FORMAT CSV 1,2';
  assert.equal(inline.slice(scan(inline).dataStart), '1,2');
});

test('INSERT targets that chdb\'s raw insert cannot take are not offered as targets', () => {
  assert.equal(scan('INSERT INTO t SETTINGS async_insert = 1 FORMAT CSV\n1').target, undefined);
  assert.equal(scan('INSERT INTO t SETTINGS async_insert = 1 FORMAT CSV\n1').infileAt, 'INSERT INTO t '.length);
  assert.equal(scan('INSERT INTO `my table` FORMAT CSV\n1').target, undefined);
  assert.equal(scan('INSERT INTO t (* EXCEPT (a)) FORMAT CSV\n1').target, undefined);
  assert.equal(scan("INSERT INTO FUNCTION file('x.csv') FORMAT CSV\n1").target, undefined);
  assert.equal(scan("INSERT INTO FUNCTION file('x.csv') FORMAT CSV\n1").format, 'CSV');
  assert.deepEqual(scan('insert into table t format CSV\n1').target, { table: 't', columns: undefined });
});

test('INSERT … VALUES and INSERT … SELECT carry no separate data', () => {
  const values = scan('INSERT INTO t VALUES (1, \'a;b\')');
  assert.equal(values.values, true);
  assert.equal(values.dataStart, undefined);
  const select = scan('INSERT INTO t (a) SELECT number FROM numbers(3)');
  assert.equal(select.dataStart, undefined);
  assert.equal(select.multiStatement, false);
  assert.equal(scan('INSERT INTO t SELECT 1; DROP TABLE t').multiStatement, true);
});

test('an INSERT cut short (its data in the body) is incomplete; a ";" right after the format name is flagged', () => {
  assert.equal(scan('INSERT INTO t').incomplete, true);
  assert.equal(scan('INSERT INTO t FORMAT').incomplete, true);
  assert.equal(scan('INSERT INTO t FORMAT CSV;1,2').semicolonBeforeData, true);
});

test('splitStatement: query parameter + newline + body, with INSERT rows kept as bytes', () => {
  const body = Buffer.from('{"a":1}\n{"a":2}\n');
  const insert = splitStatement('INSERT INTO t FORMAT JSONEachRow', body);
  assert.equal(insert.sql, 'INSERT INTO t FORMAT JSONEachRow');
  assert.equal(insert.data, body, 'the body is used as is, not copied');

  const inBody = splitStatement('', Buffer.from('INSERT INTO t FORMAT CSV\n1,2\n'));
  assert.equal(inBody.sql, 'INSERT INTO t FORMAT CSV');
  assert.equal(inBody.data?.toString(), '1,2\n');

  const split = splitStatement('SELECT', Buffer.from('1'));
  assert.equal(split.sql, 'SELECT\n1');
  assert.equal(split.info.kind, 'select');

  const dataInBoth = splitStatement('INSERT INTO t FORMAT CSV 1,2', Buffer.from('3,4\n'));
  assert.equal(dataInBoth.data?.toString(), '1,2\n3,4\n');

  const queryOnly = splitStatement('SELECT 1', Buffer.alloc(0));
  assert.equal(queryOnly.sql, 'SELECT 1');
  assert.equal(queryOnly.data, undefined);
});

test('non-ASCII text keeps its byte offsets', () => {
  const sql = "INSERT INTO t FORMAT CSV\n'é',1";
  const { data } = splitStatement('', Buffer.from(sql));
  assert.equal(data?.toString('utf8'), "'é',1");
  assert.equal(scan("SELECT 'é;' FORMAT JSON").format, 'JSON');
});
