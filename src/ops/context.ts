/**
 * What every operation needs: the ClickHouse client, the server's features, where the pipeline
 * lives (database, topic prefix) and the Kafka bootstrap list this CLI reaches the broker by. A
 * stream's objects come resolved (src/pipeline/resolve.ts, ResolvedStream).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import type { ServerFeatures } from '../pipeline/features.js';
import type { PipelineTarget } from '../pipeline/plan.js';
import type { StreamDefinition } from '../pipeline/stream.js';

export interface OpsContext {
  readonly client: ClickHouseClient;
  readonly features: ServerFeatures;
  readonly target: PipelineTarget;
  /** Kafka bootstrap servers as this process reaches them (not necessarily ClickHouse's list). */
  readonly bootstrap: string;
  readonly log: Logger;
}

/** The stream a user named (by stream, topic or target table name), or a usage error listing them. */
export function streamNamed(name: string | undefined, streams: readonly StreamDefinition[]): StreamDefinition {
  const names = streams.map((s) => s.name).join(', ');
  if (!name) throw new KchError(ErrorCodes.USAGE, `name a stream: ${names}`);
  // By name first: several streams may read one topic, and a topic names a stream only when one reads it.
  const byTopic = streams.filter((s) => s.topic === name);
  const found = streams.find((s) => s.name === name) ?? streams.find((s) => s.target === name) ?? (byTopic.length === 1 ? byTopic[0] : undefined);
  if (!found) throw new KchError(ErrorCodes.USAGE, `no stream ${JSON.stringify(name)}; the streams are ${names}`);
  return found;
}
