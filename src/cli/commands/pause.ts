import { pauseStream } from '../../ops/pause.js';
import { defineCommand } from '../shared/command.js';
import { engineOnly, onlyStream, opsOptions, withOps } from '../shared/ops.js';

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
      engineOnly(ctx, o, 'pause');
      const result = await pauseStream(ctx, o);
      if (result.already) {
        out(`${o.stream.name} is already paused\n`);
      } else {
        const how = {
          'detach-permanently': `${o.kafkaTable.toSql()} detached permanently (stays paused across restarts)`,
          'drop-decode-view': `${o.kafkaTable.toSql()} detached and its decoding view ${o.decodeView.toSql()} dropped (stays paused across restarts: this database has no DETACH PERMANENTLY)`,
          detach: `${o.kafkaTable.toSql()} detached (until the server restarts: no DETACH PERMANENTLY here)`,
        }[result.method];
        out(`paused ${o.stream.name}: ${how} in ${(result.ms / 1000).toFixed(2)} s; kch resume ${o.stream.name} goes on from the committed offsets\n`);
      }
      return 0;
    });
  },
});
