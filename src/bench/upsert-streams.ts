/**
 * The table the upsert benchmark moves (src/bench/upsert.ts): `orders` as a database keeps it
 * (an Int64 primary key and eight columns of mixed kinds, two of them optional), once as an upsert
 * stream of Debezium's changes and once as an append stream of the same rows as plain JSON, and
 * the SQL that writes its changes: a snapshot, then updates and deletes over the same keys.
 */
import { field } from '../pipeline/field.js';
import { literal } from '../pipeline/quote.js';
import { defineStream } from '../pipeline/stream.js';

const fields = {
  id: field.int('Int64'),
  customer: field.text(64),
  status: field.oneOf(['new', 'paid', 'shipped', 'cancelled']),
  qty: field.int('Int32'),
  price: field.decimal({ precision: 12, scale: 2, min: 0, max: 9_999_999_999.99 }),
  paid: field.bool(),
  updated_at: field.timestamp({ precision: 6, timeZone: 'UTC' }),
  note: field.text(256).optional(),
  discount: field.decimal({ precision: 9, scale: 2, min: 0, max: 1_000_000 }).optional(),
};

/** Debezium's changes of `public.orders` (schemas off): the newest change of a key is its row. */
export const changesStream = defineStream({ name: 'orders', topic: 'shop.public.orders', fields, key: ['id'], envelope: 'debezium' });

/** The same rows as plain JSON, every message a row (the baseline), sorted by the same key. */
export const rowsStream = defineStream({ name: 'orders_rows', fields, orderBy: ['id'] });

/** Deterministic draws of a change numbered `seq` (a SQL expression): the same values wherever they are written. */
const draw = (seq: string, salt: string): string => `cityHash64(${seq}, ${literal(salt)})`;

/** The columns of the change `seq` as SQL expressions, each a function of `seq` alone. */
export function changeValues(seq: string): Record<'customer' | 'status' | 'qty' | 'priceCents' | 'paid' | 'updatedAt' | 'note' | 'discountCents', string> {
  const status = `['new', 'paid', 'shipped', 'cancelled'][1 + ${draw(seq, 'status')} % 4]`;
  return {
    customer: `concat('customer ', toString(${draw(seq, 'customer')} % 100000))`,
    status,
    qty: `toInt32(${draw(seq, 'qty')} % 1000)`,
    priceCents: `${draw(seq, 'price')} % 10000000`,
    paid: `${status} != 'new'`,
    // Ten changes a millisecond from 2025-12-06.
    updatedAt: `toDateTime64(1765000000, 6, 'UTC') + toIntervalMicrosecond(${seq} * 100)`,
    note: `if(${draw(seq, 'note')} % 4 = 0, concat('leave at door ', toString(${draw(seq, 'note')} % 1000)), NULL)`,
    discountCents: `if(${draw(seq, 'discount')} % 3 = 0, ${draw(seq, 'discount')} % 5000, NULL)`,
  };
}

/** Cents as a JSON number with two decimals. */
const cents = (value: string): string => `concat(toString(intDiv(${value}, 100)), '.', leftPad(toString(${value} % 100), 2, '0'))`;

/** The row of change `seq` for key `id` as a JSON object, the way Debezium's JSON converter writes `after`: numbers as JSON numbers (decimal.handling.mode=double), a timestamptz as its ZonedTimestamp ISO text. */
export function rowJson(seq: string, id: string): string {
  const v = changeValues(seq);
  return `concat('{"id":', toString(${id}), ',"customer":', toJSONString(${v.customer}), ',"status":"', ${v.status}, '","qty":', toString(${v.qty}), ',"price":', ${cents(v.priceCents)}, ',"paid":', if(${v.paid}, 'true', 'false'), ',"updated_at":"', formatDateTime(${v.updatedAt}, '%Y-%m-%dT%H:%i:%S.%fZ'), '","note":', ifNull(toJSONString(${v.note}), 'null'), ',"discount":', if(isNull(${v.discountCents}), 'null', ${cents(`assumeNotNull(${v.discountCents})`)}), '}')`;
}

/**
 * Debezium's JSON for change `seq` (`op` r, c, u or d; PostgreSQL's connector, schemas off): the
 * row in `after`, a delete's `before` holding the key only (a table's default REPLICA IDENTITY),
 * and the `source` block as the connector writes it; `lsn` orders the changes of a key.
 */
export function debeziumJson(seq: string, id: string, op: string, lsn: string, snapshot: string): string {
  const tsMs = `toString(1765000000000 + intDiv(${seq}, 10))`;
  return `concat('{"before":', if(${op} = 'd', concat('{"id":', toString(${id}), '}'), 'null'), ',"after":', if(${op} = 'd', 'null', ${rowJson(seq, id)}),`
    + ` ${literal(',"source":{"version":"3.6.1.Final","connector":"postgresql","name":"shop","ts_ms":')}, ${tsMs}, ',"ts_us":', ${tsMs}, '000,"ts_ns":', ${tsMs}, '000000,"snapshot":"', ${snapshot},`
    + ` ${literal('","db":"shop","sequence":"[\\"')}, toString(${lsn}), ${literal('\\",\\"')}, toString(${lsn}), ${literal('\\"]","schema":"public","table":"orders","txId":')}, toString(700 + intDiv(${seq}, 4)), ',"lsn":', toString(${lsn}), ',"xmin":null},"transaction":null,"op":"', ${op},`
    + ` '","ts_ms":', ${tsMs}, ',"ts_us":', ${tsMs}, '417,"ts_ns":', ${tsMs}, '417000}')`;
}
