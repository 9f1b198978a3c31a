import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertEvent, validateEvent } from '../../../src/pipeline/stream.js';
import { sales } from '../../../src/pipeline/streams/index.js';

/** A sale exactly as the original Python generator wrote it. */
const seedSale = {
  event_id: '0b4f9a36-2a4e-4c53-9d6b-4f6f2b9c8e11', event_type: 'sale', event_time: '2024-05-01 12:30:00',
  product_id: 7, product_name: 'Зеленый стол', category: 'Книги', quantity: 3, price: 1234.5, discount: 0.15,
  total: 3147.98, store_id: 4, cashier_id: 12, customer_id: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
};

test('a sale in the seed\'s format is valid', () => {
  assert.deepEqual(validateEvent(sales, seedSale), []);
});

test('every problem is reported with the path of the bad value', () => {
  const problems = validateEvent(sales, { ...seedSale, price: -1, category: 'Игрушки', extra: 1, event_id: 'x' });
  assert.deepEqual(problems.map((p) => p.path).sort(), ['/category', '/event_id', '/extra', '/price']);
});

test('a missing field is named', () => {
  const { quantity: _, ...rest } = seedSale;
  assert.deepEqual(validateEvent(sales, rest), [{ path: '/quantity', message: 'is missing' }]);
});

test('assertEvent throws a typed error with a stable code', () => {
  assert.throws(() => assertEvent(sales, { ...seedSale, discount: 0.123 }), { code: 'KCH_INVALID_EVENT', message: /\/discount must have at most 2 decimals/ });
});
