import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturedStreamSource } from '../../../src/cdc/source.js';
import { MARKER, pipelineFileWith, withoutStreamBlock, withStreamBlock } from '../../../src/init/source.js';

const block = (name: string): string => capturedStreamSource({
  name, topic: `shop.public.${name}`, schema: 'public', table: name, shown: 'postgresql://app@db:5432/shop', connector: `kch-${name}`, key: ['id'],
  fields: [{ column: 'id', source: "field.int('Int32')", kind: 'integer', array: false }, { column: 'doc', source: 'field.text({ maxLength: 100 }).optional()', kind: 'json', array: false, note: 'jsonb: its JSON text' }],
  left: [{ column: 'at', why: 'type time has no field kind in kch yet' }], date: '2026-12-08',
});

test('a captured table\'s stream is an upsert stream of Debezium\'s envelope, keyed by the primary key', () => {
  assert.equal(block('items'), [
    '/** items: the rows of public.items (postgresql://app@db:5432/shop), captured by kch cdc add on 2026-12-08 through connector kch-items. */',
    'const items = defineStream({',
    "  name: 'items',",
    "  topic: 'shop.public.items',",
    "  description: 'Live rows of PostgreSQL table public.items.',",
    "  key: ['id'],",
    "  envelope: 'debezium',",
    '  fields: {',
    "    id: field.int('Int32'),",
    '    // jsonb: its JSON text',
    '    doc: field.text({ maxLength: 100 }).optional(),',
    '  },',
    '  // not captured: at (type time has no field kind in kch yet)',
    '});',
  ].join('\n'));
});

test('a stream block goes into a new pipeline file, another beside it, and each comes out again as it went in', () => {
  const one = pipelineFileWith(block('items'), 'items');
  assert.match(one, /streams: \[\n {4}items,\n {4}\/\/ kch init adds streams above this line\n {2}\],/);
  const two = withStreamBlock(one, block('orders'), 'orders')!;
  assert.match(two, /items,\n {4}orders,\n {4}\/\/ kch init/);
  assert.equal(withoutStreamBlock(two, 'orders'), one);
  const onlyOrders = withoutStreamBlock(two, 'items')!;
  assert.doesNotMatch(onlyOrders, /items/);
  assert.match(onlyOrders, /const orders = defineStream/);
  assert.equal(withoutStreamBlock(one, 'orders'), undefined, 'a stream the file does not hold');
  assert.equal(withStreamBlock('export default { streams: [] };\n', block('x'), 'x'), undefined, `no ${MARKER}: not kch's file`);
});
