import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserRefusal } from '../../../src/clickhouse/embedded/browser-guard.js';
import { grantStatements, serverXml, usersXml } from '../../../src/clickhouse/embedded/confinement.js';
import { callsUngrantedFileFunction } from '../../../src/clickhouse/embedded/statement.js';

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

test('file( is found however it is written, and nothing else is taken for it', () => {
  assert.equal(callsUngrantedFileFunction("SELECT file('/etc/passwd')"), true);
  assert.equal(callsUngrantedFileFunction("SELECT length((SELECT file ('/etc/passwd')))"), true);
  assert.equal(callsUngrantedFileFunction("SELECT `file`('/etc/passwd')"), true);
  assert.equal(callsUngrantedFileFunction('SELECT "file"(\'x\')'), true);
  assert.equal(callsUngrantedFileFunction("SELECT `\\x66ile`('/etc/passwd')"), true);
  assert.equal(callsUngrantedFileFunction("INSERT INTO FUNCTION file('/tmp/x', 'CSV') SELECT 1"), true);
  assert.equal(callsUngrantedFileFunction('SELECT file FROM t WHERE file = \'file(\''), false);
  assert.equal(callsUngrantedFileFunction("CREATE TABLE t (file String) ENGINE = File(CSV, 'x')"), false, 'the engine is refused by the grants');
  assert.equal(callsUngrantedFileFunction('SELECT 1 -- file(x)'), false);
});

test('the grants keep every source but Kafka and every engine but the pipeline\'s out of reach', () => {
  assert.deepEqual(grantStatements(), [
    'GRANT ALL ON *.*',
    'REVOKE SOURCES ON *.*',
    'REVOKE TABLE ENGINE ON *',
    'REVOKE CREATE DICTIONARY ON *.*',
    'REVOKE SYSTEM SHUTDOWN ON *.*',
    'GRANT KAFKA ON *.*',
    'GRANT TABLE ENGINE ON MergeTree, TABLE ENGINE ON Null, TABLE ENGINE ON Kafka, TABLE ENGINE ON Memory',
  ]);
  assert.match(usersXml(), /<query>REVOKE SOURCES ON \*\.\*<\/query>/);
  const xml = serverXml('/data/a&b');
  assert.match(xml, /<users_config>\/data\/a&amp;b\/kch-users\.xml<\/users_config>/);
  assert.match(xml, /<user_files_path>\/data\/a&amp;b\/user_files\/<\/user_files_path>/);
  assert.match(xml, /<remote_url_allow_hosts><host>kch-no-remote-access\.invalid<\/host><\/remote_url_allow_hosts>/);
});
