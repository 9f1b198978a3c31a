/**
 * Changes of a table for the upsert-stream tests: a seeded workload of inserts, updates of the same
 * rows many times and deletes, the state it leaves, and its messages in Debezium's JSON.
 */

export interface Row { id: number; name: string | null; qty: number | null; price: string | null }

export interface Change { readonly op: 'c' | 'u' | 'd'; readonly row: Row }

/** A seeded generator of changes: inserts, updates of the same rows many times, deletes, re-inserts. */
export function workload(seed: number, count: number, keys: number): { changes: Change[]; final: Map<number, Row> } {
  let state = seed >>> 0;
  const next = (): number => { state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0; return state / 4_294_967_296; };
  const live = new Map<number, Row>();
  const changes: Change[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = 1 + Math.floor(next() * keys);
    const existing = live.get(id);
    if (existing !== undefined && next() < 0.2) {
      live.delete(id);
      changes.push({ op: 'd', row: existing });
      continue;
    }
    const cents = Math.floor(next() * 10_000_000);
    const row: Row = {
      id,
      name: next() < 0.1 ? null : `item ${id} v${i}`,
      qty: next() < 0.1 ? null : Math.floor(next() * 2_000_000) - 1_000_000,
      price: next() < 0.1 ? null : `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    };
    live.set(id, row);
    changes.push({ op: existing === undefined ? 'c' : 'u', row });
  }
  return { changes, final: live };
}

/** A row as Debezium's JSON converter writes it: the price a JSON number (decimal.handling.mode=double would round; the test's are exact). */
export const asJson = (row: Row): Record<string, unknown> => ({ ...row, price: row.price === null ? null : Number(row.price) });


/**
 * Each change as Debezium's JSON converter writes it, keyed by `{"id":…}`: schema-wrapped one time
 * in five, a tombstone after each delete, `source.lsn` rising by 8 from `firstLsn`.
 */
export function debeziumMessages(changes: readonly Change[], firstLsn: number): { messages: { key: string; value: string | null }[]; lastLsn: number } {
  let lsn = firstLsn;
  const messages = changes.flatMap(({ op, row }, i) => {
    lsn += 8;
    const payload = { before: op === 'd' ? { id: row.id, name: null, qty: null, price: null } : null, after: op === 'd' ? null : asJson(row), source: { lsn, ts_ms: 1_700_000_000_000 + i }, op, ts_ms: 1_700_000_000_000 + i };
    const value = JSON.stringify(i % 5 === 0 ? { schema: { type: 'struct' }, payload } : payload);
    const key = JSON.stringify({ id: row.id });
    return op === 'd' ? [{ key, value }, { key, value: null }] : [{ key, value }];
  });
  return { messages, lastLsn: lsn };
}
