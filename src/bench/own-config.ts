/**
 * The pipeline files of one's own the benchmarks write, from one set of streams: `orders` (about
 * the seed's size: UUID, ISO time, money, whole numbers, a low-cardinality text, an enumeration,
 * an array, a nested object, an optional note) alone for measurement 7 (own-streams.ts), and with
 * two more unlike it for measurement 8 (config-load.ts), which times loading a file of three.
 */

export const ordersStream = `    defineStream({
      name: 'orders',
      fields: {
        order_id: field.uuid(),
        placed_at: field.timestamp({ precision: 3, timeZone: 'UTC' }),
        customer: field.text({ maxLength: 64, lowCardinality: true }),
        status: field.oneOf(['placed', 'paid', 'shipped', 'cancelled']),
        items: field.int('UInt16'),
        amount: field.decimal({ precision: 18, scale: 2, min: 0, max: 1_000_000 }),
        weight_kg: field.float(),
        tags: field.array(field.text(16)),
        ship_city: field.text(64).at('ship.city'),
        ship_zip: field.text(16).at('ship.zip'),
        note: field.text(256).optional(),
      },
      id: 'order_id',
      time: 'placed_at',
      orderBy: ['placed_at', 'order_id'],
      partitionBy: 'toYYYYMM(placed_at)',
    }),`;

/** Clicks and sensor readings: the other kinds of field a user's file is likely to hold. */
export const otherStreams = [`    defineStream({
      name: 'clicks',
      fields: {
        click_id: field.uuid(),
        at: field.timestamp({ precision: 3 }),
        page: field.text(512),
        referrer: field.text(512).optional(),
        device_os: field.text({ maxLength: 32, lowCardinality: true }).at('device.os'),
        experiments: field.array(field.int('UInt32')),
        logged_in: field.bool(),
      },
      id: 'click_id',
      time: 'at',
    }),`, `    defineStream({
      name: 'readings',
      fields: {
        sensor: field.text({ maxLength: 32, lowCardinality: true }),
        read_at: field.timestamp({ precision: 6 }),
        celsius: field.float(),
        humidity: field.float().optional(),
        battery: field.int('UInt8').optional(),
      },
      time: 'read_at',
    }),`] as const;

/** A `kch.config.ts` (or `.mjs`: it has no types to strip) defining `streams`, in order. */
export function configSource(streams: readonly string[]): string {
  return `import { defineConfig, defineStream, field } from 'kafka-clickhouse-pipeline';

export default defineConfig({
  streams: [
${streams.join('\n')}
  ],
});
`;
}
