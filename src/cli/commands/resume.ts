import { flags } from '../../config/options.js';
import { resumeStream } from '../../ops/pause.js';
import { defineCommand } from '../shared/command.js';
import { engineOnly, onlyStream, opsOptions, withOps } from '../shared/ops.js';

export const resumeCommand = defineCommand({
  name: 'resume',
  summary: 'Restart a paused stream\'s consumption from its committed offsets',
  args: '<stream>',
  details: [
    'Attaches the stream\'s Kafka-engine table again; its consumer rejoins the group and reads on',
    'from the offsets committed when it was paused, so nothing is lost or read twice. Waits until',
    'the consumer holds the topic\'s partitions (a pause shorter than the consumer session, 10 s for',
    'the embedded server, first waits for the old member to time out).',
  ].join('\n'),
  options: [...opsOptions, flags.resumeWait],
  allowPositionals: true,
  async run({ options: resolved, log, signal, out }) {
    return withOps(resolved, log, signal, onlyStream(resolved), async (ctx, objects) => {
      const o = objects!;
      engineOnly(ctx, o, 'resume');
      const result = await resumeStream(ctx, o, { waitMs: resolved.duration(flags.resumeWait) ?? 60_000, signal });
      if (result.already) {
        out(`${o.stream.name} is consuming already\n`);
      } else if (result.restarted) {
        const consuming = result.consumingAfterMs === undefined ? '' : `; consuming again after ${(result.consumingAfterMs / 1000).toFixed(1)} s`;
        out(`${o.stream.name} was attached but its consumer had stopped: restarted it (${o.kafkaTable.toSql()} detached and attached again)${consuming}\n`);
      } else {
        const consuming = result.consumingAfterMs === undefined ? '' : `; consuming again after ${(result.consumingAfterMs / 1000).toFixed(1)} s`;
        out(`resumed ${o.stream.name}: ${o.kafkaTable.toSql()} attached in ${(result.ms / 1000).toFixed(2)} s${consuming}\n`);
      }
      return 0;
    });
  },
});
