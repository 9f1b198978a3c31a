import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { hidePassword, parseSourceUrl, parseTableName } from '../../../src/postgres/url.js';

test('a PostgreSQL URL gives host, port, database and user; the password is left out of what is shown', () => {
  const db = parseSourceUrl('postgresql://shop%40admin:s3cr%2Ft@db.example:6543/shop');
  assert.deepEqual(db, { host: 'db.example', port: 6543, database: 'shop', user: 'shop@admin', password: 's3cr/t', sslmode: 'disable', shown: 'postgresql://shop%40admin@db.example:6543/shop' });
  assert.doesNotMatch(db.shown, /s3cr/);
});

test('without a password in the URL, PGPASSWORD\'s is taken; the port defaults to 5432; postgres:// and sslmode=require are read', () => {
  const db = parseSourceUrl('postgres://app@127.0.0.1/orders?sslmode=require', 'from-env');
  assert.equal(db.password, 'from-env');
  assert.equal(db.port, 5432);
  assert.equal(db.sslmode, 'require');
  assert.equal(parseSourceUrl('postgresql://app:inurl@h/d', 'from-env').password, 'inurl', 'the URL\'s own wins');
  assert.equal(parseSourceUrl('postgresql://app@h/d', '').password, undefined);
});

test('a bad URL is a usage error whose message never holds the password', () => {
  const cases = ['mysql://u:hunter2@h/d', 'postgresql://u:hunter2@h', 'postgresql://:hunter2@h/d', 'postgresql://u:hunter2@h/d?ssl=1', 'postgresql://u:hunter2@h/d?sslmode=verify-full', 'not a url hunter2'];
  for (const text of cases) {
    assert.throws(() => parseSourceUrl(text), (error: unknown) => {
      assert.ok(error instanceof KchError);
      assert.equal(error.code, ErrorCodes.USAGE);
      if (text.includes('://')) assert.doesNotMatch(error.message, /hunter2/, text);
      assert.match(error.message, /postgresql:\/\/user@host:port\/database/);
      return true;
    }, text);
  }
  assert.equal(hidePassword('postgresql://u:secret@h/d'), 'postgresql://u:***@h/d');
});

test('a table is schema.table, or a table of public', () => {
  assert.deepEqual(parseTableName('inventory.items'), { schema: 'inventory', table: 'items' });
  assert.deepEqual(parseTableName('Items'), { schema: 'public', table: 'Items' });
  assert.throws(() => parseTableName('a.b.c'), /schema\.table/);
  assert.throws(() => parseTableName('.b'), /schema\.table/);
});
