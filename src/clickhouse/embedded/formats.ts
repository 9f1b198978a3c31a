/**
 * Facts about ClickHouse formats the HTTP layer needs: the Content-Type a response in a format
 * gets, and which input formats chdb's raw insert accepts (a whitelist; format names in
 * ClickHouse are case-insensitive and have aliases).
 */
import type { RawInsertFormat } from 'chdb';

/** ClickHouse's default output format on HTTP. */
export const DEFAULT_FORMAT = 'TabSeparated';

const binary = new Set(['native', 'rowbinary', 'rowbinarywithnames', 'rowbinarywithnamesandtypes', 'rowbinarywithdefaults',
  'parquet', 'arrow', 'arrowstream', 'orc', 'avro', 'protobuf', 'protobufsingle', 'capnproto', 'msgpack', 'bson', 'bsoneachrow', 'npy']);

export function contentTypeOf(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('csv')) return `text/csv; charset=UTF-8; header=${f.includes('withnames') ? 'present' : 'absent'}`;
  if (f.startsWith('json') || f === 'ndjson') {
    return f.endsWith('eachrow') || f === 'jsonlines' || f === 'ndjson' || f.includes('eachrowwith')
      ? 'application/x-ndjson; charset=UTF-8'
      : 'application/json; charset=UTF-8';
  }
  if (f === 'xml') return 'application/xml; charset=UTF-8';
  if (binary.has(f)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

const rawInsertFormats: ReadonlyMap<string, RawInsertFormat> = new Map<string, RawInsertFormat>([
  ['jsoneachrow', 'JSONEachRow'],
  ['jsonlines', 'JSONEachRow'],
  ['ndjson', 'JSONEachRow'],
  ['jsoncompacteachrow', 'JSONCompactEachRow'],
  ['csv', 'CSV'],
  ['csvwithnames', 'CSVWithNames'],
  ['tsv', 'TabSeparated'],
  ['tabseparated', 'TabSeparated'],
  ['tsvwithnames', 'TabSeparatedWithNames'],
  ['tabseparatedwithnames', 'TabSeparatedWithNames'],
]);

/** The name chdb's raw insert takes for this format, or undefined when it does not take it. */
export function rawInsertFormat(format: string): RawInsertFormat | undefined {
  return rawInsertFormats.get(format.toLowerCase());
}
