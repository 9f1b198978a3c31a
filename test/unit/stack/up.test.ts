// What `kch up`'s summary suggests trying: a query on a table that is running.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exampleTable } from '../../../src/stack/up.js';
import { field } from '../../../src/pipeline/field.js';
import { defineStream } from '../../../src/pipeline/stream.js';
import { streams as seed } from '../../../src/pipeline/streams/index.js';

const orders = defineStream({ name: 'orders', fields: { id: field.uuid(), total: field.float().measure() }, id: 'id', orderBy: ['id'], target: 'orders_v2' });

test('the summary\'s query counts the first stream\'s target table, not the seed\'s sales when only one\'s own streams run', () => {
  assert.equal(exampleTable(seed, 'default'), 'sales');
  assert.equal(exampleTable([orders], 'default'), 'orders_v2');
  assert.equal(exampleTable([orders, ...seed], 'shop'), 'shop.orders_v2', 'named with its database outside the default one');
});
