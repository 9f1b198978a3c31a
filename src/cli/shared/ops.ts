/**
 * What every command that operates on a running pipeline shares (pause, resume, replay, dlq): its options, the operations' context, and the one stream it names.
 */
import { options, type OptionSpec } from '../../config/options.js';
import type { ResolvedOptions } from '../../config/resolve.js';
import { ErrorCodes, KchError } from '../../errors/kch-error.js';
import type { Logger } from '../../output/log.js';
import { streamNamed, type OpsContext } from '../../ops/context.js';
import { resolveStream, type ResolvedStream } from '../../pipeline/resolve.js';
import { loadPipelineConfig } from '../../config/pipeline-file.js';
import { checkCluster, clickhouseOptions, connectFrom, pipelineTargetFrom } from './connections.js';
import { ingestOf } from '../../pipeline/plan.js';

/** Options of every command that operates on a running pipeline. */
export const opsOptions: readonly OptionSpec[] = [options.config, ...clickhouseOptions, options.kafkaBrokers, options.topicPrefix, options.clickhouseCluster];

/**
 * Connects to ClickHouse (waiting a little for it), detects its features, and runs `work` with
 * the operations' context and the objects of the stream named `streamName` (none when null).
 */
export async function withOps<T>(
  resolved: ResolvedOptions,
  log: Logger,
  signal: AbortSignal,
  streamName: string | undefined | null,
  work: (ctx: OpsContext, stream: ResolvedStream | undefined) => Promise<T>,
): Promise<T> {
  const { streams } = await loadPipelineConfig(resolved, log);
  const stream = streamName === null ? undefined : streamNamed(streamName, streams);
  const { client, features } = await connectFrom(resolved, { waitMs: 10_000, signal });
  try {
    const target = pipelineTargetFrom(resolved);
    // On a cluster they read through the Distributed tables and change every server at once (ON
    // CLUSTER: src/ops/pause.ts, src/ops/mutation.ts); a cluster the server does not know is named now.
    if (target.cluster) await checkCluster(client, target.cluster);
    const ctx: OpsContext = { client, features, target, bootstrap: resolved.requireString(options.kafkaBrokers), log };
    return await work(ctx, stream ? resolveStream(stream, target) : undefined);
  } finally {
    await client.close();
  }
}

/**
 * pause, resume and replay act on a stream's Kafka table; a stream the sink moves has none (its
 * input is a Null table the sink inserts into). Stopping `kch sink` pauses it; moving its group's
 * offsets while the sink is stopped replays it.
 */
export function engineOnly(ctx: OpsContext, objects: ResolvedStream, action: string): void {
  if (ingestOf(objects.stream, ctx.target) === 'sink') {
    throw new KchError(ErrorCodes.USAGE, `${action} acts on a Kafka table, and ${objects.stream.name} has none: its ingest is sink. Stop kch sink to pause it (it goes on from the committed offsets when started again), or switch it back with kch migrate --ingest engine`);
  }
}

/** The one positional argument, a stream name. */
export function onlyStream(resolved: ResolvedOptions): string | undefined {
  if (resolved.positionals.length > 1) throw new KchError(ErrorCodes.USAGE, `unexpected argument "${resolved.positionals[1]}"`);
  return resolved.positionals[0];
}
