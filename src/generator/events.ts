import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { EventOf, StreamDefinition } from '../pipeline/stream.js';
import { movementTypes, warehouses } from '../pipeline/streams/catalog.js';
import { sales, warehouse } from '../pipeline/streams/index.js';
import type { Product } from './catalog.js';
import { JsonBytes } from './json-bytes.js';
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
  return saleTotalCents(priceCents, quantity, discountPercent) / 100;
}

function saleTotalCents(priceCents: number, quantity: number, discountPercent: number): number {
  return Math.round((priceCents * quantity * (100 - discountPercent)) / 100);
}

export interface EventContext {
  readonly random: SeededRandom;
  readonly products: readonly Product[];
  readonly vocabulary: Vocabulary;
  /** The event's time, already formatted (formatLocalTime): events made in the same second share it. */
  readonly eventTime: string;
  /** The same as a JSON string, for the writers. */
  readonly eventTimeJson: Buffer;
  readonly encoded: EncodedVocabulary;
}

/** Every string an event can carry, JSON-encoded once, each checked once against its field. */
export interface EncodedVocabulary {
  /** Per product (by index): `,"product_id":…,"product_name":…,"category":…`. */
  readonly products: readonly Buffer[];
  readonly warehouses: readonly Buffer[];
  readonly movementTypes: readonly Buffer[];
  readonly companies: readonly Buffer[];
  readonly people: readonly Buffer[];
}

/**
 * Encodes the catalog and the vocabularies for the writers, checking each value once against the
 * field it fills in both streams: an event written from them is valid in every string it carries.
 */
export function encodeVocabulary(products: readonly Product[], vocabulary: Vocabulary): EncodedVocabulary {
  const checked = (stream: StreamDefinition, name: string, value: unknown): unknown => {
    const problem = stream.fields[name]!.problem(value);
    if (problem) throw new KchError(ErrorCodes.DEFINITION, `generator: ${stream.name}.${name} ${JSON.stringify(value)} ${problem}`);
    return value;
  };
  const both = (name: string, value: unknown): unknown => checked(warehouse, name, checked(sales, name, value));
  return {
    products: products.map((p) => {
      checked(sales, 'price', p.priceCents / 100);
      return JsonBytes.raw(`,"product_id":${JSON.stringify(both('product_id', p.id))},"product_name":${JSON.stringify(both('product_name', p.name))},"category":${JSON.stringify(both('category', p.category))}`);
    }),
    warehouses: warehouses.map((w) => JsonBytes.encode(checked(warehouse, 'warehouse', w))),
    movementTypes: movementTypes.map((m) => JsonBytes.encode(checked(warehouse, 'movement_type', m))),
    companies: vocabulary.companies.map((c) => JsonBytes.encode(checked(warehouse, 'source', c))),
    people: vocabulary.people.map((p) => JsonBytes.encode(checked(warehouse, 'responsible', p))),
  };
}

/** The event time as JSON, checked against both streams' field. */
export function encodeEventTime(eventTime: string): Buffer {
  for (const stream of [sales, warehouse]) {
    const problem = stream.fields.event_time.problem(eventTime);
    if (problem) throw new KchError(ErrorCodes.DEFINITION, `generator: event_time ${eventTime} ${problem}`);
  }
  return JsonBytes.encode(eventTime);
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

const EVENT_ID = JsonBytes.raw('{"event_id":"');

/** What events of both streams begin with: `{"event_id":…,"event_type":…,"event_time":…` and the product's three fields. */
function writeHead(out: JsonBytes, typeAndTime: Buffer, { random, eventTimeJson, encoded }: EventContext, product: number): void {
  out.bytes(EVENT_ID);
  random.uuidInto(out);
  out.bytes(typeAndTime);
  out.bytes(eventTimeJson);
  out.bytes(encoded.products[product]!);
}

const SALE_TYPE_TIME = JsonBytes.raw('","event_type":"sale","event_time":');
const SALE_QUANTITY = JsonBytes.raw(',"quantity":');
const SALE_PRICE = JsonBytes.raw(',"price":');
const SALE_DISCOUNT = JsonBytes.raw(',"discount":');
const SALE_TOTAL = JsonBytes.raw(',"total":');
const SALE_STORE = JsonBytes.raw(',"store_id":');
const SALE_CASHIER = JsonBytes.raw(',"cashier_id":');
const SALE_CUSTOMER = JsonBytes.raw(',"customer_id":"');
const END_STRING_OBJECT = JsonBytes.raw('"}');

/** The sale makeSale would draw from the same state, written as the JSON it would serialize to. */
export function writeSale(out: JsonBytes, context: EventContext): void {
  const { random, products } = context;
  // Drawn in makeSale's order, written in the event's field order.
  const index = Math.floor(random.next() * products.length);
  const product = products[index]!;
  const quantity = random.int(1, 5);
  const discountPercent = random.int(0, 30);
  writeHead(out, SALE_TYPE_TIME, context, index);
  out.bytes(SALE_QUANTITY);
  out.uint(quantity);
  out.bytes(SALE_PRICE);
  out.hundredths(product.priceCents);
  out.bytes(SALE_DISCOUNT);
  out.hundredths(discountPercent);
  out.bytes(SALE_TOTAL);
  out.hundredths(saleTotalCents(product.priceCents, quantity, discountPercent));
  out.bytes(SALE_STORE);
  out.uint(random.int(1, 10));
  out.bytes(SALE_CASHIER);
  out.uint(random.int(1, 20));
  out.bytes(SALE_CUSTOMER);
  random.uuidInto(out);
  out.bytes(END_STRING_OBJECT);
}

const MOVEMENT_TYPE_TIME = JsonBytes.raw('","event_type":"stock_movement","event_time":');
const MOVEMENT_WAREHOUSE = JsonBytes.raw(',"warehouse":');
const MOVEMENT_QUANTITY = JsonBytes.raw(',"quantity":');
const MOVEMENT_TYPE = JsonBytes.raw(',"movement_type":');
const MOVEMENT_SOURCE = JsonBytes.raw(',"source":');
const MOVEMENT_RESPONSIBLE = JsonBytes.raw(',"responsible":');

/** The stock movement makeStockMovement would draw from the same state, as its JSON. */
export function writeStockMovement(out: JsonBytes, context: EventContext): void {
  const { random, products, encoded } = context;
  writeHead(out, MOVEMENT_TYPE_TIME, context, Math.floor(random.next() * products.length));
  out.bytes(MOVEMENT_WAREHOUSE);
  out.bytes(random.pick(encoded.warehouses));
  out.bytes(MOVEMENT_QUANTITY);
  out.uint(random.int(1, 100));
  out.bytes(MOVEMENT_TYPE);
  out.bytes(random.pick(encoded.movementTypes));
  out.bytes(MOVEMENT_SOURCE);
  out.bytes(random.pick(encoded.companies));
  out.bytes(MOVEMENT_RESPONSIBLE);
  out.bytes(random.pick(encoded.people));
  out.char(0x7d); // }
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
