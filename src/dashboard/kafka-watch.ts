/**
 * The dashboard's Kafka half of the health model (src/health/gather.ts, `OffsetsSource`): each
 * stream's end offsets and its group's committed offsets, cached, through one admin client.
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { committedOffsetsWith, endOffsetsWith, partitionCounts, SharedAdmin } from '../kafka/admin.js';
import { groupOf, topicOf } from '../pipeline/resolve.js';
import { describeGroupsWith } from '../ops/group.js';
import type { StreamGroup } from '../clickhouse/replicas.js';
import type { OffsetsSource, PipelineScope, StreamOffsets } from '../health/gather.js';
import { withRestartAdvice } from './queries.js';

export interface KafkaWatchOptions {
  /** Answers younger than this are served again: each refresh costs the broker a few requests. @default 1000 */
  readonly maxAgeMs?: number;
  /** A broker that does not answer in this long is reported down. @default 4000 */
  readonly timeoutMs?: number;
}

/**
 * The Kafka half, asked at most once per `maxAgeMs` however many pages and scrapers poll, with
 * one request in flight at a time: a slow broker is not asked again while it still thinks. It
 * keeps one admin client for its lifetime (replaced after a failure, see `SharedAdmin`) until
 * `close()`.
 */
export class KafkaWatch implements OffsetsSource {
  private cached: { readonly at: number; readonly value: Map<string, StreamOffsets> } | undefined;
  private pending: Promise<Map<string, StreamOffsets>> | undefined;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;
  private readonly admin: SharedAdmin;

  constructor(private readonly bootstrap: string, private readonly scope: PipelineScope, options: KafkaWatchOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 4_000;
    this.admin = new SharedAdmin(bootstrap);
  }

  /** Closes the admin client, after the request in flight if any; offsets() fails from then on. */
  async close(): Promise<void> {
    await this.pending?.catch(() => undefined);
    await this.admin.close();
  }

  /** Offsets per stream name. */
  async offsets(): Promise<Map<string, StreamOffsets>> {
    const now = performance.now();
    if (this.cached && now - this.cached.at < this.maxAgeMs) return this.cached.value;
    if (!this.pending) {
      const started = performance.now();
      const pending = this.fetch();
      this.pending = pending;
      pending.then(
        (value) => { this.cached = { at: started, value }; },
        () => { this.cached = undefined; },
      ).finally(() => { if (this.pending === pending) this.pending = undefined; });
    }
    return withTimeout(this.pending, this.timeoutMs, () => new KchError(ErrorCodes.KAFKA_UNREACHABLE,
      `Kafka at ${this.bootstrap} did not answer within ${(this.timeoutMs / 1000).toFixed(0)} s`, { retriable: true }))
      .catch((error: unknown) => { throw withRestartAdvice(error, 'kafka'); });
  }

  /**
   * Each stream's consumer group: who holds which partitions (asked only on a cluster whose
   * servers cannot say, see replicasOf).
   */
  async groups(): Promise<StreamGroup[]> {
    const { streams } = this.scope;
    const described = await withTimeout(this.admin.run('describe consumer groups', (admin) => describeGroupsWith(admin, streams.map((s) => groupOf(s, this.scope)))),
      this.timeoutMs, () => new KchError(ErrorCodes.KAFKA_UNREACHABLE, `Kafka at ${this.bootstrap} did not answer within ${(this.timeoutMs / 1000).toFixed(0)} s`, { retriable: true }));
    return streams.map((s) => ({ stream: s.name, topic: topicOf(s, this.scope), members: described.get(groupOf(s, this.scope))?.members ?? [] }));
  }

  private async fetch(): Promise<Map<string, StreamOffsets>> {
    const { streams } = this.scope;
    const topics = streams.map((s) => topicOf(s, this.scope));
    // Which topics exist is asked once; then the end offsets and each group's commits together.
    const [end, ...committed] = await this.admin.run('list offsets', async (admin) => {
      const present = await partitionCounts(admin, topics);
      return Promise.all([
        endOffsetsWith(admin, topics, present),
        ...streams.map((s) => committedOffsetsWith(admin, groupOf(s, this.scope), [topicOf(s, this.scope)], present)),
      ]);
    });
    return new Map(streams.map((s, i) => {
      const topic = topicOf(s, this.scope);
      return [s.name, { end: end.get(topic) ?? new Map(), committed: committed[i]!.get(topic) ?? new Map() }];
    }));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(error()), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
