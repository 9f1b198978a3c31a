import { literal } from './quote.js';
import type { Changes, StreamDefinition } from './stream.js';

/**
 * How an upsert stream's message becomes a row, a delete or nothing, in the decoding view's SQL
 * (src/pipeline/plan.ts): each an expression over the message (`kch_raw`), its Kafka key
 * (`kch_key`) and offset (`kch_offset`), read by the views like any other column. The row's JSON
 * text then goes through the same field checks as an append stream's message.
 */
export interface EnvelopeSql {
  /** The row's JSON object as text: `after` (or `before` for a delete), the message itself, or the key's fields for a tombstone. */
  readonly doc: string;
  /** UInt8: the change deletes its key's row. */
  readonly deleted: string;
  /** UInt64 ordering two changes of a key, the newer greater (ties: the later insert wins). Reads `kch_doc`'s field through its converted column where the version is a field. */
  readonly version: (converted: (field: string) => string) => string;
  /** UInt8: the message means nothing (a Debezium tombstone after a delete): neither a row nor a dead letter. */
  readonly skip: string;
  /** String: why the message is no change at all ('' when it is one): a dead letter's first reason. */
  readonly problem: string;
  /** Whether `doc`'s keys starting with `__` are the envelope's, not the row's (the flat form's `__deleted`, `__op`, …). */
  readonly metaKeys: boolean;
  /** Whether it reads the message's Kafka key (`kch_key`): the sink then carries it, and the Kafka table's `_key` is read. */
  readonly readsKey: boolean;
  /**
   * The envelope's own members, parsed once into a tuple (`kch_change`) that the expressions above
   * read: asked of the message one by one, they parsed it once each (~1/3 of a change's decoding,
   * BENCHMARKS.md "Upsert streams"). Undefined when nothing is read from the envelope.
   */
  readonly parse?: string;
}

/** Debezium's ops that carry a row: create, update, snapshot read, delete. A truncate (`t`) or a logical message (`m`) does not. */
const rowOps = ['c', 'u', 'r', 'd'];

/** The wrapped form `{"schema": …, "payload": …}` (a JSON converter's schemas.enable=true) unwrapped; the bare form as it is. */
function unwrapped(json: string): string {
  return `if(JSONHas(${json}, 'schema') AND JSONHas(${json}, 'payload'), JSONExtractRaw(${json}, 'payload'), ${json})`;
}

/** An object member read as `String` is its JSON text (`null` and absent: ''). */
const debeziumChange = "Tuple(op String, before String, after String, source Tuple(lsn Nullable(UInt64), ts_ms Nullable(UInt64)))";
const flatChange = "Tuple(__deleted String, __op String, __lsn Nullable(UInt64), __source_ts_ms Nullable(UInt64))";

export function envelopeSql(stream: StreamDefinition, changes: Changes): EnvelopeSql {
  const tombstone = "kch_raw = ''";
  const byField = (converted: (field: string) => string): string => {
    const field = stream.fields[changes.version]!;
    const value = converted(changes.version);
    if (field.kind === 'integer') return `toUInt64(${value})`;
    // Before 1970 a time's version is 0: such a source is not a stream of changes.
    return field.kind === 'timestamp' ? `toUInt64(greatest(toUnixTimestamp64Micro(${value}), 0))` : `toUInt64(toUnixTimestamp(${value}))`;
  };
  switch (changes.envelope) {
    case 'debezium': {
      // The wrapper's payload is parsed a second time; the bare form (the usual one) once.
      const wrap = "JSONExtract(kch_raw, 'Tuple(schema String, payload String)')";
      const parse = `JSONExtract(if(tupleElement(${wrap}, 'schema') != '' AND tupleElement(${wrap}, 'payload') != '', tupleElement(${wrap}, 'payload'), kch_raw), '${debeziumChange}')`;
      const op = "tupleElement(kch_change, 'op')";
      const position = "tupleElement(kch_change, 'source')";
      const source = changes.version === 'source'
        ? `ifNull(tupleElement(${position}, 'lsn'), ifNull(tupleElement(${position}, 'ts_ms'), 0))`
        : undefined;
      return {
        parse,
        doc: `if(${op} = 'd', tupleElement(kch_change, 'before'), tupleElement(kch_change, 'after'))`,
        deleted: `${op} = 'd'`,
        version: (converted) => source ?? (changes.version === 'offset' ? 'kch_offset' : byField(converted)),
        skip: tombstone,
        problem: `multiIf(${op} IN (${rowOps.map(literal).join(', ')}), '', ${op} = '', ${literal('not a Debezium change: no "op" (c, u, r or d)')}, concat('Debezium op "', ${op}, ${literal('" is not a row change (c, u, r or d): not applied')}))`,
        metaKeys: false,
        readsKey: false,
      };
    }
    case 'debezium-flat': {
      const source = "ifNull(tupleElement(kch_change, '__lsn'), ifNull(tupleElement(kch_change, '__source_ts_ms'), kch_offset))";
      return {
        parse: `JSONExtract(kch_raw, '${flatChange}')`,
        doc: 'kch_raw',
        // `__deleted` is "true" as text (rewrite mode); a boolean is taken too.
        deleted: "tupleElement(kch_change, '__deleted') = 'true' OR tupleElement(kch_change, '__op') = 'd'",
        version: (converted) => (changes.version === 'source' ? source : changes.version === 'offset' ? 'kch_offset' : byField(converted)),
        skip: tombstone,
        problem: "''",
        metaKeys: true,
        readsKey: false,
      };
    }
    case 'json': {
      // A tombstone names its row by the message key: a JSON object of the key's fields (wrapped
      // or not), or, for a key of one field, its value as JSON or as plain text.
      const asObject = `isValidJSON(kch_key) AND JSONType(kch_key) = 'Object'`;
      const single = changes.key.length === 1
        ? `concat(${literal(`{${JSON.stringify(changes.key[0])}:`)}, if(isValidJSON(kch_key) AND JSONType(kch_key) NOT IN ('Object', 'Array'), kch_key, toJSONString(kch_key)), '}')`
        : "''";
      const keyDoc = `if(${asObject}, ${unwrapped('kch_key')}, ${single})`;
      return {
        doc: `if(${tombstone}, ${keyDoc}, kch_raw)`,
        deleted: tombstone,
        // A tombstone carries no field to order it by: the offset orders (stream.ts allows no other).
        version: () => 'kch_offset',
        skip: '0',
        problem: `if(${tombstone} AND kch_key = '', ${literal('a tombstone (no value) without a key: no row to delete')}, '')`,
        metaKeys: false,
        readsKey: true,
      };
    }
  }
}
