import { field } from '../../src/pipeline/field.js';
import { defineStream } from '../../src/pipeline/stream.js';

/** A stream with every kind of field a stream of one's own can have, nested and optional ones included. */
export const kindsStream = defineStream({
  name: 'kinds',
  id: 'id',
  time: 'at',
  fields: {
    id: field.uuid(),
    at: field.timestamp({ precision: 3, timeZone: 'UTC' }),
    level: field.int('Int64'),
    small: field.int('Int8'),
    ratio: field.float(),
    ok: field.bool(),
    label: field.text({ maxLength: 64, lowCardinality: true }),
    note: field.text({ maxLength: 64, allowEmpty: true }).optional(),
    tags: field.array(field.text(16)),
    scores: field.array(field.float()).optional(),
    zone_pickup: field.text(32).at('zone.pickup'),
    zone_dropoff: field.text(32).optional().at('zone.dropoff'),
    geo_lat: field.float().optional().at('meta.geo.lat'),
    amount: field.decimal({ precision: 18, scale: 2, min: 0, max: 1_000_000 }).optional(),
    seen: field.dateTimeText().withDefault('2026-01-01 00:00:00'),
  },
  orderBy: ['at', 'id'],
  partitionBy: 'toYYYYMM(at)',
});
