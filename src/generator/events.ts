import type { Faker } from '@faker-js/faker';
import type { EventOf } from '../pipeline/stream.js';
import { movementTypes, warehouses } from '../pipeline/streams/catalog.js';
import type { sales, warehouse } from '../pipeline/streams/index.js';
import type { Product } from './catalog.js';

export type SaleEvent = EventOf<typeof sales>;
export type StockMovementEvent = EventOf<typeof warehouse>;

/** `YYYY-MM-DD HH:MM:SS` in local time, the seed's event_time format. */
export function formatLocalTime(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/**
 * total = price × quantity × (1 − discount), rounded half-up to kopecks. Computed in integers:
 * the seed's defect was a total that ignored quantity and drew a second discount.
 */
export function saleTotal(priceCents: number, quantity: number, discountPercent: number): number {
  const hundredths = priceCents * quantity * (100 - discountPercent);
  return Math.round(hundredths / 100) / 100;
}

export interface EventContext {
  readonly faker: Faker;
  readonly products: readonly Product[];
  readonly now: Date;
}

export function makeSale({ faker, products, now }: EventContext): SaleEvent {
  const product = faker.helpers.arrayElement(products);
  const quantity = faker.number.int({ min: 1, max: 5 });
  const discountPercent = faker.number.int({ min: 0, max: 30 });
  return {
    event_id: faker.string.uuid(),
    event_type: 'sale',
    event_time: formatLocalTime(now),
    product_id: product.id,
    product_name: product.name,
    category: product.category,
    quantity,
    price: product.priceCents / 100,
    discount: discountPercent / 100,
    total: saleTotal(product.priceCents, quantity, discountPercent),
    store_id: faker.number.int({ min: 1, max: 10 }),
    cashier_id: faker.number.int({ min: 1, max: 20 }),
    customer_id: faker.string.uuid(),
  };
}

export function makeStockMovement({ faker, products, now }: EventContext): StockMovementEvent {
  const product = faker.helpers.arrayElement(products);
  return {
    event_id: faker.string.uuid(),
    event_type: 'stock_movement',
    event_time: formatLocalTime(now),
    product_id: product.id,
    product_name: product.name,
    category: product.category,
    warehouse: faker.helpers.arrayElement(warehouses),
    quantity: faker.number.int({ min: 1, max: 100 }),
    movement_type: faker.helpers.arrayElement(movementTypes),
    source: faker.company.name(),
    responsible: faker.person.fullName(),
  };
}
