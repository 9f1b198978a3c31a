import { randomBytes } from 'node:crypto';
import { createClient, type ClickHouseClient } from '@clickhouse/client';

/**
 * Services the test runner (scripts/test.mjs) started for the whole run. Integration tests
 * isolate themselves with a database and topic prefix of their own.
 */
export interface TestServices {
  readonly kafka: string;
  readonly clickhouseUrl: string;
}

export function services(): TestServices {
  const kafka = process.env.KCH_TEST_KAFKA;
  const clickhouseUrl = process.env.KCH_TEST_CLICKHOUSE_URL;
  if (!kafka || !clickhouseUrl) {
    throw new Error('integration tests need KCH_TEST_KAFKA and KCH_TEST_CLICKHOUSE_URL: run them with `npm test`, which starts the services');
  }
  return { kafka, clickhouseUrl };
}

/** The Debian ClickHouse server, when the runner started one. */
export function remoteClickHouseUrl(): string | undefined {
  return process.env.KCH_TEST_REMOTE_CLICKHOUSE_URL || undefined;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export function clickhouse(url: string, database = 'default'): ClickHouseClient {
  return createClient({ url, database });
}

export async function scalar(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<number> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  const rows = await result.json<Record<string, string | number>>();
  const first = rows[0];
  if (!first) return 0;
  return Number(Object.values(first)[0]);
}
