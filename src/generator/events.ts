import type { EventOf } from '../pipeline/stream.js';
import { movementTypes, warehouses } from '../pipeline/streams/catalog.js';
import type { sales, warehouse } from '../pipeline/streams/index.js';
import type { Product } from './catalog.js';
import type { SeededRandom } from './random.js';
import type { Vocabulary } from './vocabulary.js';

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
  readonly random: SeededRandom;
  readonly products: readonly Product[];
  readonly vocabulary: Vocabulary;
  /** The event's time, already formatted (formatLocalTime): events made in the same second share it. */
  readonly eventTime: string;
}

export function makeSale({ random, products, eventTime }: EventContext): SaleEvent {
  const product = random.pick(products);
  const quantity = random.int(1, 5);
  const discountPercent = random.int(0, 30);
  return {
    event_id: random.uuid(),
    event_type: 'sale',
    event_time: eventTime,
    product_id: product.id,
    product_name: product.name,
    category: product.category,
    quantity,
    price: product.priceCents / 100,
    discount: discountPercent / 100,
    total: saleTotal(product.priceCents, quantity, discountPercent),
    store_id: random.int(1, 10),
    cashier_id: random.int(1, 20),
    customer_id: random.uuid(),
  };
}

export function makeStockMovement({ random, products, vocabulary, eventTime }: EventContext): StockMovementEvent {
  const product = random.pick(products);
  return {
    event_id: random.uuid(),
    event_type: 'stock_movement',
    event_time: eventTime,
    product_id: product.id,
    product_name: product.name,
    category: product.category,
    warehouse: random.pick(warehouses),
    quantity: random.int(1, 100),
    movement_type: random.pick(movementTypes),
    source: random.pick(vocabulary.companies),
    responsible: random.pick(vocabulary.people),
  };
}
