/**
 * What a ClickHouse server can do, as far as the pipeline's DDL cares. Detected by `migrate`
 * (src/clickhouse/detect-features.ts); the renderer only reads it, so rendering stays pure and testable.
 */
export interface ServerFeatures {
  /** `26.7.2.1` */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  /** LowCardinality(String) without an experimental switch (19.x and later). */
  readonly lowCardinality: boolean;
  /** `kafka_handle_error_mode = 'stream'` with `_error` / `_raw_message` (21.6 and later). */
  readonly kafkaErrorStream: boolean;
  /** `kafka_skip_broken_messages`: without it, an unparsable message stops the consumer. */
  readonly kafkaSkipBroken: boolean;
  /** `kafka_flush_interval_ms`, `kafka_poll_timeout_ms` table settings. */
  readonly kafkaFlushInterval: boolean;
  /**
   * Views over a Kafka table may read it through a subquery. 18.x fails such views at insert
   * time ("There is no query"); there the views select plain columns and the target table's
   * insert converts the types.
   */
  readonly viewSubquery: boolean;
  /** `_topic`, `_partition`, `_offset` virtual columns on Kafka tables. */
  readonly kafkaVirtualColumns: boolean;
  /** `_timestamp` virtual column on Kafka tables. */
  readonly kafkaTimestamp: boolean;
  /** toUUIDOrNull and friends. */
  readonly orNullConversions: boolean;
  /** formatRow('JSONEachRow', …) to keep a readable copy of a rejected row. */
  readonly formatRow: boolean;
  /**
   * The JSON input settings of `strictJsonSettings` (input_format_force_null_for_omitted_fields is
   * the newest): a missing field, a null, an unknown field, a number where text is expected or
   * `true` where a number is become parse errors, kept byte for byte in the dead-letter table,
   * instead of being read as a default value or as text.
   */
  readonly strictJsonInput: boolean;
  /** isValidUTF8(): text with invalid UTF-8 fails the checks instead of being stored. */
  readonly validUtf8: boolean;
  /**
   * Aggregating projections on the target tables, used by queries without a switch (23.8 and
   * later: projections are older, but earlier servers match fewer queries to them). Without them
   * the dashboard's queries read the tables.
   */
  readonly projections: boolean;
  /**
   * The Kafka tables read each message as bytes (RawBLOB) and one view decodes it once, through
   * `JSONExtract` into `Dynamic` values that keep each value's JSON type, for both the target and
   * the dead-letter table (25.8 and later: `Dynamic` is generally available from 25.3, and 25.8 is
   * the long-term release after it). The Kafka engine's own JSONEachRow parses each message into a
   * one-row block of its own: decoding in the view costs ~18 % less CPU per event (BENCHMARKS.md),
   * keeps every dead letter byte for byte, and names the field whose type is wrong.
   */
  readonly decodeInViews: boolean;
  /**
   * The Bool data type (21.12 and later). Without it a `field.bool()` column is UInt8 (0/1); the
   * checks of a bool need `decodeInViews` anyway (an older JSONEachRow reads 1, "true" and null
   * into UInt8 as if they were booleans), so this only decides the column's type.
   */
  readonly boolType: boolean;
  /**
   * DateTime64 with a precision and a time zone (20.1 and later). Without it a `field.timestamp()`
   * column would be a DateTime, losing the fraction: worth a warning. Its checks need
   * `decodeInViews`, so the plan refuses such a field on those servers instead (18.16 among them).
   */
  readonly dateTime64: boolean;
}

/**
 * Format settings of the Kafka-engine tables on servers with `strictJsonInput`. ClickHouse still
 * reads a quoted number ("5") into a number column (no setting turns that off; the value is kept).
 */
export const strictJsonSettings: Readonly<Record<string, number>> = {
  input_format_skip_unknown_fields: 0,
  input_format_null_as_default: 0,
  input_format_force_null_for_omitted_fields: 1,
  input_format_json_read_numbers_as_strings: 0,
  input_format_json_read_bools_as_numbers: 0,
  input_format_json_read_bools_as_strings: 0,
  input_format_json_read_objects_as_strings: 0,
  input_format_json_read_arrays_as_strings: 0,
};

/**
 * Settings of the view that decodes: a JSON string stays a String (without them "5" and
 * "2024-01-01" become a DateTime and a Date inside a `Dynamic`).
 */
export const decodeSettings: Readonly<Record<string, number>> = {
  input_format_try_infer_dates: 0,
  input_format_try_infer_datetimes: 0,
  input_format_json_try_infer_numbers_from_strings: 0,
};

/** A current server: everything on. The default for `--dry-run` without a server. */
export const currentServer: ServerFeatures = {
  version: '26.7',
  major: 26,
  minor: 7,
  lowCardinality: true,
  kafkaErrorStream: true,
  kafkaSkipBroken: true,
  kafkaFlushInterval: true,
  viewSubquery: true,
  kafkaVirtualColumns: true,
  kafkaTimestamp: true,
  orNullConversions: true,
  formatRow: true,
  strictJsonInput: true,
  validUtf8: true,
  projections: true,
  decodeInViews: true,
  boolType: true,
  dateTime64: true,
};

/** Features implied by a version alone; detection refines those it can ask the server about. */
export function featuresForVersion(version: string): ServerFeatures {
  const [majorText = '0', minorText = '0'] = version.split('.');
  const major = Number(majorText);
  const minor = Number(minorText);
  const atLeast = (m: number, n: number): boolean => major > m || (major === m && minor >= n);
  return {
    version,
    major,
    minor,
    lowCardinality: atLeast(19, 0),
    kafkaErrorStream: atLeast(21, 6),
    kafkaSkipBroken: atLeast(19, 1),
    kafkaFlushInterval: atLeast(20, 1),
    viewSubquery: atLeast(19, 1),
    kafkaVirtualColumns: atLeast(19, 1),
    kafkaTimestamp: atLeast(19, 1),
    orNullConversions: atLeast(19, 0),
    formatRow: atLeast(20, 7),
    strictJsonInput: atLeast(24, 3),
    validUtf8: atLeast(19, 1),
    projections: atLeast(23, 8),
    decodeInViews: atLeast(25, 8),
    boolType: atLeast(21, 12),
    dateTime64: atLeast(20, 1),
  };
}
