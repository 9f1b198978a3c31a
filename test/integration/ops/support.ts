import { Consumer } from '@platformatic/kafka';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../../../src/clickhouse/client.js';
import { createLogger } from '../../../src/output/log.js';
import { detectFeatures } from '../../../src/clickhouse/detect-features.js';
import type { OpsContext } from '../../../src/ops/context.js';
import { clickhouse, uniqueName } from '../../support/env.js';

/** A pipeline of its own: database, topic prefix, the environment for the CLI, a client. */
export interface TestPipeline {
  readonly database: string;
  readonly prefix: string;
  readonly env: NodeJS.ProcessEnv;
  readonly client: ClickHouseClient;
  /** The operations' context, as the CLI builds it. */
  ops(): Promise<OpsContext>;
  drop(): Promise<void>;
}

export function testPipeline(name: string, kafka: string, clickhouseUrl: string): TestPipeline {
  const database = uniqueName(name);
  const prefix = `${database}_`;
  const client = clickhouse(clickhouseUrl, database);
  const opsClient = createClickHouse({ url: clickhouseUrl, user: 'default', password: '', database: 'default' });
  return {
    database,
    prefix,
    env: { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: prefix },
    client,
    async ops() {
      return {
        client: opsClient,
        features: await detectFeatures(opsClient),
        target: { database, brokers: kafka, topicPrefix: prefix },
        bootstrap: kafka,
        log: createLogger('test'),
      };
    },
    async drop() {
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
      await client.close();
      await opsClient.close();
    },
  };
}

export interface ReadMessage {
  readonly partition: number;
  readonly offset: bigint;
  readonly value: Buffer;
}

/** Reads a topic from the beginning until `count` messages arrived (a group of its own, nothing committed). */
export async function readTopic(bootstrap: string, topic: string, count: number, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const [host, port] = bootstrap.split(':');
  const consumer = new Consumer({ groupId: uniqueName('kch-test-reader'), clientId: 'kch-test', bootstrapBrokers: [{ host: host!, port: Number(port) }], autocommit: false });
  const out: ReadMessage[] = [];
  const timer = setTimeout(() => consumer.close(true, () => undefined), timeoutMs);
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 500 });
    for await (const message of stream) {
      out.push({ partition: message.partition, offset: message.offset, value: message.value ?? Buffer.alloc(0) });
      if (out.length >= count) break;
    }
    await stream.close();
  } finally {
    clearTimeout(timer);
    await new Promise<void>((done) => consumer.close(true, () => done()));
  }
  if (out.length < count) throw new Error(`read ${out.length} of ${count} messages of ${topic} within ${timeoutMs / 1000} s`);
  return out;
}

/** Numbers from a JSON row (ClickHouse quotes 64-bit integers). */
export async function numbers(client: ClickHouseClient, query: string): Promise<number[]> {
  const rows = await (await client.query({ query, format: 'JSONEachRow' })).json<Record<string, string | number>>();
  return Object.values(rows[0] ?? {}).map(Number);
}
