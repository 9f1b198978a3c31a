import { field } from '../field.js';
import { defineStream, type Projection } from '../stream.js';
import { categories } from './catalog.js';
import { saleEvents } from './events.js';

/** Revenue, units and sales per hour of event time: what the dashboard's sales chart and tiles add up. */
export const salesPerHour: Projection = {
  name: 'sales_per_hour',
  select: 'SELECT toStartOfHour(event_time), sum(quantity), sum(total), count() GROUP BY toStartOfHour(event_time)',
};

/** Sales at the tills: ~70 % of the traffic. Its objects take the seed's names by the default rule (pipeline/names.ts). */
export const sales = defineStream({
  name: 'sales',
  description: 'One sale of one product at a store till.',
  fields: {
    event_id: field.uuid(),
    event_type: field.literal('sale'),
    event_time: field.dateTimeText(),
    product_id: field.integer(1, 4_294_967_295, 'UInt32'),
    product_name: field.text(256),
    category: field.oneOf(categories),
    quantity: field.integer(1, 1000, 'UInt32'),
    price: field.decimal({ precision: 18, scale: 2, min: 0, max: 10_000_000 }),
    discount: field.decimal({ precision: 9, scale: 2, min: 0, max: 1 }),
    // Wider than the seed's Decimal32(2): price × quantity outgrows 9,999,999.99.
    total: field.decimal({ precision: 18, scale: 2, min: 0, max: 10_000_000_000 }),
    store_id: field.integer(1, 65_535, 'UInt16'),
    cashier_id: field.integer(1, 65_535, 'UInt16'),
    customer_id: field.uuid(),
  },
  partitionBy: 'toYYYYMM(event_time)',
  orderBy: ['event_time', 'product_id'],
  projections: [salesPerHour],
  events: saleEvents,
  // Every aggregate below is one sales_per_hour keeps, over whole hours: the projection answers them.
  panels: [
    {
      kind: 'hourly', id: 'sales', title: 'Sales per hour', noun: 'sales',
      bars: { label: 'Items sold', sql: 'sum(quantity)', unit: 'items' },
      line: { label: 'Revenue', sql: 'sum(total)', unit: '₽', decimals: 2 },
    },
    {
      kind: 'newest', id: 'recent', title: 'Recent sales', noun: 'sales',
      columns: ['event_id', 'event_time', 'product_id', 'product_name', 'category', 'quantity', 'price', 'discount', 'total', 'store_id'],
      show: ['product_name', 'category', 'quantity', 'price', 'total', 'event_time'],
    },
    {
      kind: 'tiles', id: 'today', title: 'Today', noun: 'sales',
      tiles: [
        { id: 'revenue', label: 'Revenue today', sql: 'sum(total)', unit: '₽', decimals: 2 },
        { id: 'sales', label: 'Sales today', sql: 'count()' },
        { id: 'units', label: 'Items sold today', sql: 'sum(quantity)' },
      ],
    },
  ],
});
