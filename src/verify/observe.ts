/**
 * What `kch verify` asks ClickHouse: which of its events are in the target tables (and since
 * when), how many rows each has, and which reached a dead-letter table. Plain SQL with literals
 * only (the values are validated hex and identifiers), so it runs on 18.16 as on 26.x, and
 * narrowed by the run's prefix so that any other data in the tables is neither counted nor
 * touched.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { textRows } from '../clickhouse/query.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import { literal, quoteIdentifier } from '../pipeline/quote.js';
import { PREFIX_LENGTH, parseSequence, verifiableId } from './tag.js';

export interface ObservedStream {
  readonly stream: StreamDefinition;
  /** Index of the stream in the run (the ledger's stream number). */
  readonly index: number;
}

export interface Arrival {
  readonly seq: number;
  /** ClickHouse's processing_time, in seconds since the epoch. */
  readonly processingTime: number;
}

export interface ObserverOptions {
  readonly client: ClickHouseClient;
  readonly url: string;
  readonly database: string;
  readonly streams: readonly ObservedStream[];
  readonly prefix: string;
  /** When the run started (seconds since the epoch); bounds the scans. */
  readonly startedSec: number;
  /** `<target>_dedup` views that exist, by stream name. */
  readonly dedupViews?: ReadonlyMap<string, string>;
}

/**
 * event_time is the producer's local time read by the server in its own time zone: any zone is
 * within 26 hours of any other, so this margin never hides a row of the run, and the primary key
 * (event_time first) still skips everything older.
 */
const EVENT_TIME_MARGIN_SEC = 26 * 3600;

export class Observer {
  constructor(private readonly options: ObserverOptions) {}

  /**
   * The run's rows of a stream: by the id's prefix, and by the event's time where it is the seed's
   * local-time text (the primary key then skips everything older); else by when rows landed.
   */
  private runFilter(stream: StreamDefinition): string {
    const { prefix, startedSec } = this.options;
    const time = stream.time !== undefined && stream.fields[stream.time]?.kind === 'datetime'
      ? `${quoteIdentifier(stream.time)} >= toDateTime(${Math.max(0, startedSec - EVENT_TIME_MARGIN_SEC)})`
      : `processing_time >= toDateTime(${Math.max(0, startedSec - 60)})`;
    return `substring(toString(${this.idOf(stream)}), 1, ${PREFIX_LENGTH}) = ${literal(prefix)} AND ${time}`;
  }

  private idOf(stream: StreamDefinition): string {
    return quoteIdentifier(verifiableId(stream));
  }

  private table(name: string): string {
    return `${this.options.database}.${name}`;
  }

  /** As text (`textRows`): a poll can return a row per event of a run of millions. */
  private rows(query: string, action: string): Promise<string[][]> {
    return textRows(this.options.client, query, { url: this.options.url, action });
  }

  /** The run's rows in the targets written at or after `sinceSec` (processing_time). */
  async arrivals(sinceSec: number): Promise<Arrival[]> {
    const selects = this.options.streams.map(({ stream }) =>
      `SELECT substring(toString(${this.idOf(stream)}), ${PREFIX_LENGTH + 1}, 12) AS s, toUInt32(processing_time) AS t FROM ${this.table(stream.target)} WHERE ${this.runFilter(stream)} AND processing_time >= toDateTime(${Math.max(0, Math.floor(sinceSec))})`);
    const lines = await this.rows(selects.join(' UNION ALL '), 'looking for the run\'s events');
    return toArrivals(lines);
  }

  /** Rows per event of the run in each stream's target table. */
  async targetCounts(): Promise<Map<number, number>[]> {
    return Promise.all(this.options.streams.map(async ({ stream }) => {
      const lines = await this.rows(
        `SELECT substring(toString(${this.idOf(stream)}), ${PREFIX_LENGTH + 1}, 12) AS s, count() AS n FROM ${this.table(stream.target)} WHERE ${this.runFilter(stream)} GROUP BY s`,
        `counting the run's events in ${stream.target}`);
      return toCounts(lines);
    }));
  }

  /** Rows per event of the run in the dead-letter tables (all streams together). */
  async deadLetterCounts(): Promise<Map<number, number>> {
    const { prefix, startedSec } = this.options;
    const selects = this.options.streams.map(({ stream }) =>
      `SELECT extract(raw, ${literal(`${prefix}([0-9a-fA-F]{12})`)}) AS s FROM ${this.table(stream.deadLetter)} WHERE seen_at >= toDateTime(${Math.max(0, startedSec - 60)}) AND position(raw, ${literal(prefix)}) > 0`);
    const lines = await this.rows(`SELECT s, count() AS n FROM (${selects.join(' UNION ALL ')}) GROUP BY s`, 'looking for the run\'s events in the dead-letter tables');
    return toCounts(lines);
  }

  /** Events of the run counted through the `<target>_dedup` views, or undefined without them. */
  async dedupCount(): Promise<number | undefined> {
    const views = this.options.dedupViews;
    if (!views || views.size < this.options.streams.length) return undefined;
    let total = 0;
    for (const { stream } of this.options.streams) {
      const view = views.get(stream.name)!;
      const [[n = '0'] = []] = await this.rows(`SELECT count() FROM ${this.table(view)} WHERE ${this.runFilter(stream)}`, `counting through ${view}`);
      total += Number(n);
    }
    return total;
  }
}

function toArrivals(lines: string[][]): Arrival[] {
  const out: Arrival[] = [];
  for (const [hex = '', t = ''] of lines) {
    const seq = parseSequence(hex);
    if (seq !== undefined) out.push({ seq, processingTime: Number(t) });
  }
  return out;
}

function toCounts(lines: string[][]): Map<number, number> {
  const out = new Map<number, number>();
  for (const [hex = '', n = '0'] of lines) {
    const seq = parseSequence(hex);
    if (seq !== undefined) out.set(seq, (out.get(seq) ?? 0) + Number(n));
  }
  return out;
}
