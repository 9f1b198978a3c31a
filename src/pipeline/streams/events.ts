/**
 * The seed's events, as its two definitions declare them (StreamSpec.events): one world of 50
 * products and a thousand names, made once per generator from its seed and shared by both streams
 * (a product keeps its name and price in sales and stock movements), sales at 70 % of the traffic
 * and stock movements at 30 %, each made as an object or written as bytes, the generator's fast way.
 * Pure: the generator hands in faker, the random source and the buffer (src/pipeline/recipe.ts).
 */
import { ErrorCodes, KchError } from '../../errors/kch-error.js';
import type { EventBytes, EventContext, EventRecipe, EventWorld, RecipeStream } from '../recipe.js';
import { makeCatalog, movementTypes, warehouses, type Product, type categories } from './catalog.js';
import { makeVocabulary, type Vocabulary } from './vocabulary.js';

type Category = (typeof categories)[number];

/** A sale as sales.ts defines it (the generator validates every one it makes: tested). */
export type SaleEvent = {
  event_id: string;
  event_type: 'sale';
  event_time: string;
  product_id: number;
  product_name: string;
  category: Category;
  quantity: number;
  price: number;
  discount: number;
  total: number;
  store_id: number;
  cashier_id: number;
  customer_id: string;
};

/** A stock movement as warehouse.ts defines it. */
export type StockMovementEvent = {
  event_id: string;
  event_type: 'stock_movement';
  event_time: string;
  product_id: number;
  product_name: string;
  category: Category;
  warehouse: (typeof warehouses)[number];
  quantity: number;
  movement_type: (typeof movementTypes)[number];
  source: string;
  responsible: string;
};

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

/** What the seed's events draw from. */
export interface Retail {
  readonly products: readonly Product[];
  readonly vocabulary: Vocabulary;
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

const encode = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/**
 * Encodes the catalog and the vocabularies for the writers, checking each value once against the
 * field of that name in each of `streams` that has one: an event written from them is valid in
 * every string it carries.
 */
export function encodeVocabulary(products: readonly Product[], vocabulary: Vocabulary, streams: readonly RecipeStream[]): EncodedVocabulary {
  const checked = (name: string, value: unknown): unknown => {
    for (const stream of streams) {
      const problem = stream.fields[name]?.problem(value);
      if (problem) throw new KchError(ErrorCodes.DEFINITION, `generator: ${stream.name}.${name} ${JSON.stringify(value)} ${problem}`);
    }
    return value;
  };
  return {
    products: products.map((p) => {
      checked('price', p.priceCents / 100);
      return Buffer.from(`,"product_id":${JSON.stringify(checked('product_id', p.id))},"product_name":${JSON.stringify(checked('product_name', p.name))},"category":${JSON.stringify(checked('category', p.category))}`);
    }),
    warehouses: warehouses.map((w) => encode(checked('warehouse', w))),
    movementTypes: movementTypes.map((m) => encode(checked('movement_type', m))),
    companies: vocabulary.companies.map((c) => encode(checked('source', c))),
    people: vocabulary.people.map((p) => encode(checked('responsible', p))),
  };
}

/** The seed's world: its catalog first, then its names, from one faker (the order keeps a seed's events). */
export const retail: EventWorld<Retail> = {
  locale: ['ru', 'en', 'base'],
  make(faker, streams) {
    const products = makeCatalog(faker);
    const vocabulary = makeVocabulary(faker);
    return { products, vocabulary, encoded: encodeVocabulary(products, vocabulary, streams) };
  },
};

export function makeSale({ random, eventTime }: EventContext, { products }: Retail): SaleEvent {
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

const EVENT_ID = Buffer.from('{"event_id":"');

/** What events of both streams begin with: `{"event_id":…,"event_type":…,"event_time":…` and the product's three fields. */
function writeHead(out: EventBytes, typeAndTime: Buffer, { random, eventTimeJson }: EventContext, world: Retail, product: number): void {
  out.bytes(EVENT_ID);
  random.uuidInto(out);
  out.bytes(typeAndTime);
  out.bytes(eventTimeJson);
  out.bytes(world.encoded.products[product]!);
}

const SALE_TYPE_TIME = Buffer.from('","event_type":"sale","event_time":');
const SALE_QUANTITY = Buffer.from(',"quantity":');
const SALE_PRICE = Buffer.from(',"price":');
const SALE_DISCOUNT = Buffer.from(',"discount":');
const SALE_TOTAL = Buffer.from(',"total":');
const SALE_STORE = Buffer.from(',"store_id":');
const SALE_CASHIER = Buffer.from(',"cashier_id":');
const SALE_CUSTOMER = Buffer.from(',"customer_id":"');
const END_STRING_OBJECT = Buffer.from('"}');

/** The sale makeSale would draw from the same state, written as the JSON it would serialize to. */
export function writeSale(out: EventBytes, context: EventContext, world: Retail): void {
  const { random } = context;
  const { products } = world;
  // Drawn in makeSale's order, written in the event's field order.
  const index = Math.floor(random.next() * products.length);
  const product = products[index]!;
  const quantity = random.int(1, 5);
  const discountPercent = random.int(0, 30);
  writeHead(out, SALE_TYPE_TIME, context, world, index);
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

const MOVEMENT_TYPE_TIME = Buffer.from('","event_type":"stock_movement","event_time":');
const MOVEMENT_WAREHOUSE = Buffer.from(',"warehouse":');
const MOVEMENT_QUANTITY = Buffer.from(',"quantity":');
const MOVEMENT_TYPE = Buffer.from(',"movement_type":');
const MOVEMENT_SOURCE = Buffer.from(',"source":');
const MOVEMENT_RESPONSIBLE = Buffer.from(',"responsible":');

/** The stock movement makeStockMovement would draw from the same state, as its JSON. */
export function writeStockMovement(out: EventBytes, context: EventContext, world: Retail): void {
  const { random } = context;
  const { encoded } = world;
  writeHead(out, MOVEMENT_TYPE_TIME, context, world, Math.floor(random.next() * world.products.length));
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

export function makeStockMovement({ random, eventTime }: EventContext, { products, vocabulary }: Retail): StockMovementEvent {
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

/** The seed's traffic: one coin flip per event, 70 % sales … */
export const saleEvents: EventRecipe<Retail> = { share: 0.7, world: retail, make: makeSale, write: writeSale };
/** … and 30 % stock movements. */
export const movementEvents: EventRecipe<Retail> = { share: 0.3, world: retail, make: makeStockMovement, write: writeStockMovement };
