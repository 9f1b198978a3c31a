import type { Faker } from '@faker-js/faker';

/** The seed's fixed vocabularies, shared by the stream definitions and their events (events.ts). */
export const categories = ['Электроника', 'Одежда', 'Продукты', 'Книги', 'Бытовая техника'] as const;
export const warehouses = ['Москва', 'Волгоград', 'Санкт-Петербург', 'Казань', 'Новосибирск', 'Екатеринбург'] as const;
export const movementTypes = ['supply', 'relocation', 'write_off'] as const;

export const productIds = { min: 1, max: 50 } as const;

export interface Product {
  readonly id: number;
  readonly name: string;
  readonly category: (typeof categories)[number];
  /** Price in kopecks: fixed per product, as in the seed; integers keep totals exact. */
  readonly priceCents: number;
}

export const PRODUCT_COUNT = 50;

/** The seed's 50 products: two Russian words each, a category, a price of 100..10000. */
export function makeCatalog(faker: Faker): Product[] {
  const products: Product[] = [];
  for (let id = 1; id <= PRODUCT_COUNT; id++) {
    const words = faker.lorem.words(2);
    products.push({
      id,
      name: words.charAt(0).toUpperCase() + words.slice(1),
      category: faker.helpers.arrayElement(categories),
      priceCents: faker.number.int({ min: 100_00, max: 10_000_00 }),
    });
  }
  return products;
}
