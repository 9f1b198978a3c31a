import type { ClickHouseClient } from '@clickhouse/client';
import { rows } from './query.js';
import { literal } from '../pipeline/quote.js';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { decodeSettings, featuresForVersion, strictJsonSettings, type ServerFeatures } from '../pipeline/features.js';


/**
 * Asks the server what it is and what it has. The version gives the defaults; where the server
 * can be asked directly (functions, engines) its answer wins. `url` names the server in errors.
 */
export async function detectFeatures(client: ClickHouseClient, url?: string): Promise<ServerFeatures> {
  const context = url ? { url } : undefined;
  const [{ version } = { version: '0.0' }] = await rows<{ version: string }>(client, 'SELECT version() AS version', context);
  const byVersion = featuresForVersion(version);
  const functions = new Set(
    (await rows<{ name: string }>(client, `SELECT name FROM system.functions WHERE name IN (${['toUUIDOrNull', 'formatRow', 'parseDateTimeBestEffortOrNull', 'isValidUTF8', ...decodeFunctions].map(literal).join(', ')})`, context)).map((r) => r.name),
  );
  const wanted = Object.keys(strictJsonSettings);
  const settings = new Set(
    (await rows<{ name: string }>(client, `SELECT name FROM system.settings WHERE name IN (${wanted.map(literal).join(', ')})`, context)).map((r) => r.name),
  );
  if (!functions.has('parseDateTimeBestEffortOrNull')) {
    throw new KchError(ErrorCodes.CLICKHOUSE_UNSUPPORTED, `ClickHouse ${version} has no parseDateTimeBestEffortOrNull; the pipeline needs 18.16 or later`);
  }
  let hasKafka = true;
  try {
    hasKafka = (await rows<{ name: string }>(client, "SELECT name FROM system.table_engines WHERE name = 'Kafka'")).length > 0;
  } catch {
    // system.table_engines is newer than some servers we support; CREATE will tell.
  }
  if (!hasKafka) {
    throw new KchError(ErrorCodes.CLICKHOUSE_UNSUPPORTED, `ClickHouse ${version} was built without the Kafka table engine`);
  }
  return {
    ...byVersion,
    orNullConversions: functions.has('toUUIDOrNull'),
    formatRow: functions.has('formatRow'),
    validUtf8: functions.has('isValidUTF8'),
    // The settings only matter on a server that keeps unparsable messages (the error stream).
    strictJsonInput: byVersion.kafkaErrorStream && wanted.every((name) => settings.has(name)),
    decodeInViews: byVersion.decodeInViews && decodeFunctions.every((name) => functions.has(name)) && (await decodesAsPlanned(client)),
  };
}

/**
 * Whether `JSONExtract` into `Dynamic` keeps JSON types the way the decoding view's checks expect,
 * with the view's settings: a date-like string and a quoted number stay strings, a number is Int64.
 */
async function decodesAsPlanned(client: ClickHouseClient): Promise<boolean> {
  const settings = Object.entries(decodeSettings).map(([k, v]) => `${k} = ${v}`).join(', ');
  try {
    const [row] = await rows<{ types: string }>(client,
      `SELECT arrayStringConcat([dynamicType(t.a), dynamicType(t.b), dynamicType(t.c), dynamicType(t.d)], ',') AS types FROM (SELECT JSONExtract('{"a":"2024-01-01 10:00:00","b":"5","c":5,"d":0.29}', 'Tuple(a Dynamic, b Dynamic, c Dynamic, d Dynamic)') AS t) SETTINGS ${settings}`);
    return row?.types === 'String,String,Int64,Float64';
  } catch {
    return false;
  }
}

/** What the view that decodes JSON calls (src/pipeline/field.ts, `jsonCheck`). */
const decodeFunctions = ['dynamicElement', 'dynamicType', 'isValidJSON', 'JSONType', 'JSONExtractKeys', 'JSONExtract'];

/** What an old server costs the user, in one line each. Empty on a current server. */
export function degradations(features: ServerFeatures): string[] {
  const v = `ClickHouse ${features.version}`;
  const out: string[] = [];
  if (!features.kafkaErrorStream) {
    out.push(features.kafkaSkipBroken
      ? `${v} has no kafka_handle_error_mode='stream': a message that is not valid JSON for the table is skipped (logged by the server only) instead of landing in the dead-letter table; messages that parse but fail checks still do.`
      : `${v} has neither kafka_handle_error_mode nor kafka_skip_broken_messages: a message that is not valid JSON for the table stops that stream's consumer until it is removed from the topic; messages that parse but fail checks still go to the dead-letter table.`);
  }
  if (!features.viewSubquery) {
    out.push(`${v} commits Kafka offsets before the rows are written: a block whose insert fails is lost, not retried.`);
    out.push(`${v} cannot filter inside these views: a row that fails a check lands in the dead-letter table and also, with default values, in the target table.`);
  }
  if (!features.kafkaVirtualColumns) out.push(`${v} has no _topic/_partition/_offset columns: dead letters record the topic name but partition and offset 0.`);
  else if (!features.kafkaTimestamp) out.push(`${v} has no _timestamp column: dead letters have no Kafka timestamp.`);
  if (!features.lowCardinality) out.push(`${v} has no LowCardinality: small enumerations are stored as plain String.`);
  if (!features.formatRow) out.push(`${v} has no formatRow: a rejected row is kept as tab-separated values, not JSON, so \`kch dlq replay\` needs the stream's fixUp to turn it back into a message.`);
  if (!features.strictJsonInput) {
    out.push(`${v} reads JSON leniently: a missing field or a null becomes the type's default (0, ''), a number or true where text is expected becomes text, and an unknown field is ignored; such a message reaches the dead-letter table only when the result fails a check.`);
  }
  if (!features.decodeInViews && features.kafkaErrorStream) {
    out.push(`${v} cannot decode JSON in the views (Dynamic, 25.8+): the Kafka engine parses each message, which costs ClickHouse ~1.5 times the CPU per event, reads a quoted number ("5") as the number, truncates extra decimals, and keeps a message that parses but fails a check as the parsed row instead of byte for byte.`);
  }
  if (!features.validUtf8) out.push(`${v} has no isValidUTF8: text with invalid UTF-8 is stored as it came instead of going to the dead-letter table.`);
  if (!detachesPermanently(features)) out.push(`${v} ${detachRefusal}: \`kch pause\`, \`kch replay\` and \`kch migrate --apply-drift\` are refused on it.`);
  if (features.major < 19) out.push(`${v} starts a new consumer group at the latest offset unless its config.xml has <kafka><auto_offset_reset>smallest</auto_offset_reset></kafka>: without it, events produced before the tables existed are skipped.`);
  return out;
}

/**
 * Why servers before 20.5 do not get a Kafka table detached: their Kafka engine's shutdown can hang
 * or abort the server while a consumer closes (upstream fixes in 20.4 and 20.5). Debian's 18.16
 * aborted during such a DETACH in one CI run of `kch pause`.
 */
export const detachRefusal = 'can hang or abort while a Kafka table is detached (fixed in ClickHouse 20.4–20.5)';

/** `DETACH TABLE … PERMANENTLY` (20.5 and later): a detached table stays detached across restarts. */
export function detachesPermanently(features: Pick<ServerFeatures, 'major' | 'minor'>): boolean {
  return features.major > 20 || (features.major === 20 && features.minor >= 5);
}
