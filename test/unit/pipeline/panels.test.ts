// The dashboard panels a stream declares: checked once, at defineStream, every mistake named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineConfig } from '../../../src/config/define.js';
import { field } from '../../../src/pipeline/field.js';
import type { Panel } from '../../../src/pipeline/panels.js';
import { defineStream } from '../../../src/pipeline/stream.js';
import { sales, warehouse } from '../../../src/pipeline/streams/index.js';

const fields = {
  order_id: field.uuid(),
  at: field.timestamp(),
  shop: field.oneOf(['north', 'south']),
  kind: field.oneOf(['in', 'out', 'lost']),
  amount: field.decimal({ precision: 12, scale: 2, min: 0, max: 1e6 }),
  units: field.int('UInt32'),
} as const;

const hourly: Panel = { kind: 'hourly', id: 'orders', title: 'Orders per hour', bars: { label: 'Units', sql: 'sum(units)' }, line: { label: 'Amount', sql: 'sum(amount)', unit: '€', decimals: 2 } };

/** A stream of orders declaring `panels` (JavaScript's loose values too). */
const orders = (panels: unknown, extra: Record<string, unknown> = {}) => defineStream({
  name: 'orders', fields, id: 'order_id', time: 'at', orderBy: ['at'], panels: panels as Panel[],
  projections: [{ name: 'per_shop', select: 'SELECT shop, kind, sum(units) GROUP BY shop, kind' }], ...extra,
});

const refused = (panels: unknown, message: RegExp, extra?: Record<string, unknown>): void => {
  assert.throws(() => orders(panels, extra), (error: unknown) => {
    assert.equal((error as { code?: string }).code, 'KCH_DEFINITION');
    assert.match((error as Error).message, message);
    return true;
  });
};

test('a stream declares panels of every kind; a stream without any has none', () => {
  const all: Panel[] = [
    hourly,
    { kind: 'ranked', id: 'shops', title: 'Busiest shops', by: 'shop', sum: 'units', split: { column: 'kind', incoming: ['in'], outgoing: ['out', 'lost'] }, days: 3, limit: 2 },
    { kind: 'newest', id: 'latest', title: 'Latest orders', columns: ['order_id', 'at', 'amount', 'processing_time'], show: ['at', 'amount'] },
    { kind: 'tiles', id: 'today', title: 'Today', tiles: [{ id: 'amount_today', label: 'Amount today', sql: 'sum(amount)', unit: '€' }] },
    { kind: 'levels', id: 'stock', title: 'Per shop', by: 'shop', sum: 'units', split: { column: 'kind', incoming: ['in'], outgoing: ['out'] }, projection: 'per_shop' },
  ];
  assert.deepEqual(orders(all).panels, all);
  assert.deepEqual(defineStream({ name: 'bare', fields: { n: field.int('UInt8') }, orderBy: ['n'] }).panels, []);
});

test('the seed\'s streams declare its five panels: sales per hour, recent sales and today\'s tiles; top stock movement and stock by warehouse', () => {
  assert.deepEqual(sales.panels.map((p) => [p.kind, p.id]), [['hourly', 'sales'], ['newest', 'recent'], ['tiles', 'today']]);
  assert.deepEqual(warehouse.panels.map((p) => [p.kind, p.id]), [['ranked', 'stock'], ['levels', 'warehouses']]);
  // The queries are worded for the projections the seed declares for them.
  assert.deepEqual(warehouse.panels.map((p) => ('projection' in p ? p.projection : undefined)), ['movements_per_hour', 'movements_per_warehouse']);
});

test('a kind the dashboard does not draw is a definition error naming the kinds it does', () => {
  refused([{ ...hourly, kind: 'pie' }], /^stream orders: panel orders: kind must be 'hourly', 'ranked', 'newest', 'tiles', 'levels', got "pie"$/);
  refused('hourly', /panels must be a list/);
  refused([null], /a panel must be an object/);
});

test('a column that is not one of the stream\'s fields is a definition error naming the fields', () => {
  refused([{ kind: 'ranked', id: 'r', title: 'R', by: 'store', sum: 'units', split: { column: 'kind', incoming: ['in'], outgoing: ['out'] } }],
    /^stream orders: panel r: by names unknown column "store" \(the stream's fields are order_id, at, shop, kind, amount, units\)$/);
  refused([{ kind: 'newest', id: 'n', title: 'N', columns: ['order_id', 'price'] }], /panel n: columns names unknown column "price"/);
  refused([{ kind: 'newest', id: 'n', title: 'N', columns: ['order_id'], show: ['at'] }], /panel n: show names "at", not one of its columns/);
  refused([{ kind: 'levels', id: 'l', title: 'L', by: 'shop', sum: 'weight', split: { column: 'kind', incoming: ['in'], outgoing: ['out'] } }], /panel l: sum names unknown column "weight"/);
  refused([{ kind: 'levels', id: 'l', title: 'L', by: 'shop', sum: 'units', split: { column: 'state', incoming: ['in'], outgoing: ['out'] } }], /panel l: split.column names unknown column "state"/);
});

test('a split must be a text column, its values among a oneOf\'s, and not the column ranked', () => {
  const ranked = (split: unknown, by = 'shop') => [{ kind: 'ranked', id: 'r', title: 'R', by, sum: 'units', split }];
  refused(ranked({ column: 'units', incoming: ['1'], outgoing: ['2'] }), /split.column units must be a text or oneOf\(\) field/);
  refused(ranked({ column: 'kind', incoming: ['in'], outgoing: ['stolen'] }), /split.outgoing names "stolen", not a value of kind \(in, out, lost\)/);
  refused(ranked({ column: 'kind', incoming: [], outgoing: ['out'] }), /split.incoming must be a list of one or more values of kind/);
  refused(ranked({ column: 'kind', incoming: ['in'], outgoing: ['out'] }, 'kind'), /split.column and by are both kind/);
});

test('panels counted by time need the stream\'s time field; a projection named must be the stream\'s', () => {
  refused([hourly], /panel orders: a hourly panel counts by the stream's time, and the stream has no time field/, { time: null });
  refused([{ kind: 'levels', id: 'l', title: 'L', by: 'shop', sum: 'units', split: { column: 'kind', incoming: ['in'], outgoing: ['out'] }, projection: 'per_day' }],
    /panel l: projection must name one of the stream's projections \(per_shop\), got "per_day"/);
});

test('figures, ids and windows are checked: SQL and labels non-empty, ids plain and once, the page\'s own ids refused', () => {
  refused([{ ...hourly, bars: { label: 'Units', sql: '' } }], /panel orders: bars: sql must be non-empty text/);
  refused([{ ...hourly, line: { label: 'Amount', sql: 'sum(amount)', decimals: 9 } }], /line: decimals must be a whole number from 0 to 6/);
  refused([{ ...hourly, hours: 0 }], /panel orders: hours must be a whole number from 1 to 168, got 0/);
  refused([{ ...hourly, id: 'two words' }], /a panel's id must be a plain identifier, got "two words"/);
  refused([hourly, hourly], /two panels have the id orders/);
  refused([{ ...hourly, id: 'pipeline' }], /the page's own pipeline panel has that id/);
  refused([{ kind: 'tiles', id: 't', title: 'T', tiles: [{ id: 'lag', label: 'Lag', sql: 'count()' }] }], /panel t: the page's own lag tile has the id lag/);
  refused([{ ...hourly, title: '' }], /panel orders: title must be non-empty text/);
});

test('two streams of one pipeline may not declare the same panel or tile id: each names a place on one page', () => {
  const other = defineStream({ name: 'returns', fields, time: 'at', orderBy: ['at'], panels: [hourly] });
  assert.throws(() => defineConfig({ streams: [orders([hourly]), other] }), { code: 'KCH_DEFINITION', message: 'streams orders and returns both use the panel id orders' });
  const tiles = (id: string): Panel => ({ kind: 'tiles', id, title: 'T', tiles: [{ id: 'amount_today', label: 'Amount today', sql: 'sum(amount)' }] });
  const second = defineStream({ name: 'returns', fields, time: 'at', orderBy: ['at'], panels: [tiles('b')] });
  assert.throws(() => defineConfig({ streams: [orders([tiles('a')]), second] }), { message: 'streams orders and returns both use the tile id amount_today' });
});
