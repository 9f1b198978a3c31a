import { field } from '../field.js';
import { defineStream, type Projection } from '../stream.js';
import { categories, movementTypes, warehouses } from './catalog.js';
import { movementEvents } from './events.js';

/** Quantities moved per hour, product and movement type: the dashboard's top products. */
export const movementsPerHour: Projection = {
  name: 'movements_per_hour',
  select: 'SELECT toStartOfHour(event_time), product_id, movement_type, sum(quantity), argMax(product_name, event_time), max(event_time) GROUP BY toStartOfHour(event_time), product_id, movement_type',
};

/** Quantities moved per warehouse and movement type: the dashboard's stock levels. */
export const movementsPerWarehouse: Projection = {
  name: 'movements_per_warehouse',
  select: 'SELECT warehouse, movement_type, sum(quantity) GROUP BY warehouse, movement_type',
};

/** What arrives is supplied; what leaves is relocated or written off. */
const stock = { column: 'movement_type', incoming: ['supply'], outgoing: ['relocation', 'write_off'] };

/** Stock movements between warehouses: ~30 % of the traffic. Its objects take the seed's names by the default rule (pipeline/names.ts), but for the target, named as the seed's. */
export const warehouse = defineStream({
  name: 'warehouse',
  target: 'stock_movements',
  description: 'Goods arriving at, moving between or written off from a warehouse.',
  fields: {
    event_id: field.uuid(),
    event_type: field.literal('stock_movement'),
    event_time: field.dateTimeText(),
    product_id: field.integer(1, 4_294_967_295, 'UInt32'),
    product_name: field.text(256),
    category: field.oneOf(categories),
    warehouse: field.oneOf(warehouses),
    quantity: field.integer(1, 1_000_000, 'Int32'),
    movement_type: field.oneOf(movementTypes),
    source: field.text(256),
    responsible: field.text(256),
  },
  partitionBy: 'toYYYYMM(event_time)',
  orderBy: ['event_time', 'product_id'],
  projections: [movementsPerHour, movementsPerWarehouse],
  events: movementEvents,
  panels: [
    {
      kind: 'ranked', id: 'stock', title: 'Top stock movement', noun: 'stock movements',
      by: 'product_id', label: 'product_name', sum: 'quantity', unit: 'units', split: stock, projection: movementsPerHour.name,
    },
    // Every warehouse of the catalog shows (the values of its oneOf), with zeros until its first movement.
    {
      kind: 'levels', id: 'warehouses', title: 'Stock by warehouse', noun: 'stock movements',
      by: 'warehouse', sum: 'quantity', unit: 'units', split: stock, projection: movementsPerWarehouse.name,
    },
  ],
});
