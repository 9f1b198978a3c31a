import { options, type OptionSpec } from '../../config/options.js';
import type { ResolvedOptions } from '../../config/resolve.js';
import { toKchError } from '../../clickhouse/errors.js';
import { ErrorCodes, KchError, isKchError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { detectFeatures } from '../../migrate/detect.js';
import { waitForClickHouse } from '../../migrate/wait.js';
import { objectsOf, streamNamed, type OpsContext, type StreamObjects } from '../../ops/context.js';
import { pauseStream } from '../../ops/pause.js';
import { streams } from '../../pipeline/streams/index.js';
import { defineCommand } from '../command.js';
import { clickhouseFrom, clickhouseOptions, pipelineTargetFrom } from '../connections.js';

/** Options of every command that operates on a running pipeline. */
export const opsOptions: readonly OptionSpec[] = [...clickhouseOptions, options.kafkaBrokers, options.topicPrefix];

/**
 * Connects to ClickHouse (waiting a little for it), detects its features, and runs `work` with
 * the operations' context and the objects of the stream named `streamName` (none when null).
 */
export async function withOps<T>(
  resolved: ResolvedOptions,
  log: Logger,
  signal: AbortSignal,
  streamName: string | undefined | null,
  work: (ctx: OpsContext, stream: StreamObjects | undefined) => Promise<T>,
): Promise<T> {
  const stream = streamName === null ? undefined : streamNamed(streamName, streams);
  const url = resolved.requireString(options.clickhouseUrl);
  const client = clickhouseFrom(resolved, 'default');
  try {
    await waitForClickHouse(client, url, { timeoutMs: 10_000, signal });
    const features = await detectFeatures(client).catch((e: unknown) => { throw isKchError(e) ? e : toKchError(e, url); });
    const target = pipelineTargetFrom(resolved);
    const ctx: OpsContext = { client, features, target, bootstrap: resolved.requireString(options.kafkaBrokers), log };
    return await work(ctx, stream ? objectsOf(stream, target) : undefined);
  } finally {
    await client.close();
  }
}

export const pauseCommand = defineCommand({
  name: 'pause',
  summary: 'Stop a stream\'s consumption (detach its Kafka table); nothing is lost, resume goes on from there',
  args: '<stream>',
  details: [
    'Detaches the stream\'s Kafka-engine table: its consumer finishes the block in flight, the views',
    'write it, its offsets are committed, and it stops. Messages keep arriving in Kafka (the lag',
    'grows, see kch status). DETACH … PERMANENTLY: the stream stays paused across a restart of the',
    'server (kch clickhouse included) until kch resume; in a database without it (the embedded',
    'server\'s default database) the stream\'s decoding view is dropped as well, which keeps the',
    'pause just as well, and kch resume makes it again. Needs ClickHouse 20.5 or later: older servers',
    'can hang or abort while a Kafka table is detached, so pausing is refused there.',
  ].join('\n'),
  options: opsOptions,
  allowPositionals: true,
  async run({ options: resolved, log, signal, out }) {
    return withOps(resolved, log, signal, onlyStream(resolved), async (ctx, objects) => {
      const o = objects!;
      const result = await pauseStream(ctx, o);
      if (result.already) {
        out(`${o.stream.name} is already paused\n`);
      } else {
        const how = {
          'detach-permanently': `${o.kafkaTable} detached permanently (stays paused across restarts)`,
          'drop-decode-view': `${o.kafkaTable} detached and its decoding view ${o.decodeView} dropped (stays paused across restarts: this database has no DETACH PERMANENTLY)`,
          detach: `${o.kafkaTable} detached (until the server restarts: no DETACH PERMANENTLY here)`,
        }[result.method];
        out(`paused ${o.stream.name}: ${how} in ${(result.ms / 1000).toFixed(2)} s; kch resume ${o.stream.name} goes on from the committed offsets\n`);
      }
      return 0;
    });
  },
});

/** The one positional argument, a stream name. */
export function onlyStream(resolved: ResolvedOptions): string | undefined {
  if (resolved.positionals.length > 1) throw new KchError(ErrorCodes.USAGE, `unexpected argument "${resolved.positionals[1]}"`);
  return resolved.positionals[0];
}
