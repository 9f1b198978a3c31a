import { flags } from '../../config/options.js';
import { ErrorCodes, KchError } from '../../errors/kch-error.js';
import { parseReplayFrom, replayStream } from '../../ops/replay.js';
import { defineCommand } from '../shared/command.js';
import { engineOnly, onlyStream, opsOptions, withOps } from '../shared/ops.js';

export const replayCommand = defineCommand({
  name: 'replay',
  summary: 'Consume a stream again from a time or an offset (moves its group\'s offsets while paused)',
  args: '<stream> --from <ISO time | offset>',
  details: [
    'Pauses the stream, waits for its consumer group to empty (ClickHouse does not leave the group:',
    'its member times out, 10 s on the embedded server), commits the new offsets (by time: the first',
    'message at or after it, ListOffsets), says how many messages will be read again, and resumes.',
    'A stream that was paused stays paused. Without --dedupe the target gets a second copy of every',
    'event in the range; --dedupe deletes those copies once they are written (see README).',
  ].join('\n'),
  options: [...opsOptions, flags.replayFrom, flags.replayDedupe, flags.replayWait],
  allowPositionals: true,
  async run({ options: resolved, log, signal, out }) {
    const fromText = resolved.string(flags.replayFrom);
    if (!fromText) throw new KchError(ErrorCodes.USAGE, 'say where to replay from: --from 2026-01-31T10:00:00Z, --from 1200 or --from 0:1200,1:900');
    const start = parseReplayFrom(fromText);
    return withOps(resolved, log, signal, onlyStream(resolved), async (ctx, objects) => {
      const o = objects!;
      engineOnly(ctx, o, 'replay');
      const result = await replayStream(ctx, o, {
        from: start,
        dedupe: resolved.boolean(flags.replayDedupe),
        timeoutMs: resolved.duration(flags.replayWait) ?? 120_000,
        signal,
        onPlan: (plan) => {
          const total = plan.reduce((sum, p) => sum + p.reread, 0n);
          out(`${o.stream.name}: ${total} message(s) will be read again (${plan.map((p) => `partition ${p.partition}: ${p.from}..${p.committed}`).join(', ')})\n`);
        },
      });
      const group = `group ${o.group} emptied after ${(result.waitedForGroupMs / 1000).toFixed(1)} s`;
      if (result.stayedPaused) {
        out(`offsets moved (${group}); ${o.stream.name} stays paused: kch resume ${o.stream.name} reads them again\n`);
      } else if (result.removed) {
        out(`replayed ${result.reread} message(s) of ${o.stream.name} (${group}); removed ${result.removed.rows} duplicate row(s) from ${o.target.toSql()} and ${result.removed.deadLetters} duplicate dead letter(s)\n`);
      } else {
        out(`replaying ${result.reread} message(s) of ${o.stream.name} (${group}); ${o.stream.name} is consuming again\n`);
      }
      return 0;
    });
  },
});
