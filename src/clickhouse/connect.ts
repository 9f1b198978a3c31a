/**
 * Connecting to ClickHouse as every command that acts on the pipeline (migrate, the operations,
 * sink, verify), `kch up` and the bench do: the client built with kch's settings (client.ts), the
 * server waited for until it answers a query (wait.ts), and what it can do detected
 * (detect-features.ts). The dashboard, `kch status` and `kch query` build a client without
 * waiting: they say at once that ClickHouse is down (the dashboard serves its page meanwhile).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ServerFeatures } from '../pipeline/features.js';
import { createClickHouse, type ClickHouseConnectionOptions } from './client.js';
import { detectFeatures } from './detect-features.js';
import { waitForClickHouse } from './wait.js';

export interface ClickHouseConnectOptions extends ClickHouseConnectionOptions {
  /** How long the server may take to answer its first query. */
  readonly waitMs: number;
  /** Ends the wait (Ctrl-C). */
  readonly signal?: AbortSignal;
}

export interface ClickHouseConnection {
  readonly client: ClickHouseClient;
  /** The server's URL, for messages. */
  readonly url: string;
  readonly features: ServerFeatures;
}

/** A client of a server that answers, with its features; the caller closes `client`. */
export async function connectClickHouse(options: ClickHouseConnectOptions): Promise<ClickHouseConnection> {
  const client = createClickHouse(options);
  try {
    await waitForClickHouse(client, options.url, { timeoutMs: options.waitMs, signal: options.signal });
    const features = await detectFeatures(client, options.url);
    return { client, url: options.url, features };
  } catch (error) {
    await client.close();
    throw error;
  }
}
