import { flags } from '../../config/options.js';
import { ErrorCodes, KchError } from '../../errors/kch-error.js';
import { createProducer } from '../../kafka/producer.js';
import { listDeadLetters, replayDeadLetters, type DeadLetter, type DeadLetterState } from '../../ops/dead-letters.js';
import { defineCommand } from '../shared/command.js';
import { opsOptions, withOps } from '../shared/ops.js';

export const dlqCommand = defineCommand({
  name: 'dlq',
  summary: 'Dead letters: list a stream\'s (dlq list), or re-produce them to its topic once each (dlq replay)',
  args: 'list|replay <stream>',
  details: [
    'kch dlq list <stream> [--limit n] [--where SQL] [--state pending|replayed|claimed] [--json]',
    'kch dlq replay <stream> [--where SQL] [--dry-run]',
    'Replay sends each waiting dead letter to the stream\'s topic as it was kept (or as the stream\'s',
    'fixUp returns it), waits for Kafka\'s acknowledgement and marks it replayed (replayed = 1): a',
    'dead letter is never replayed twice. A message still bad lands in the dead-letter table again.',
  ].join('\n'),
  options: [...opsOptions, flags.dlqJson, flags.dlqLimit, flags.dlqWhere, flags.dlqState, flags.dlqDryRun],
  allowPositionals: true,
  async run({ options: resolved, log, signal, out }) {
    const [action, ...rest] = resolved.positionals;
    if (action !== 'list' && action !== 'replay') throw new KchError(ErrorCodes.USAGE, 'kch dlq list <stream> or kch dlq replay <stream>');
    if (rest.length > 1) throw new KchError(ErrorCodes.USAGE, `unexpected argument "${rest[1]}"`);
    const condition = resolved.string(flags.dlqWhere);
    return withOps(resolved, log, signal, rest[0], async (ctx, objects) => {
      const o = objects!;
      if (action === 'list') {
        const wanted = resolved.string(flags.dlqState) as DeadLetterState | undefined;
        const n = resolved.bounded(flags.dlqLimit) ?? 20;
        const { total, letters } = await listDeadLetters(ctx, o, { limit: n, ...(condition ? { where: condition } : {}), ...(wanted ? { state: wanted } : {}) });
        if (resolved.boolean(flags.dlqJson)) out(`${JSON.stringify({ stream: o.stream.name, table: o.deadLetter.toSql(), total, shown: letters.length, letters: letters.map(asJson) }, null, 2)}\n`);
        else out(renderList(o.deadLetter.toSql(), total, letters));
        return 0;
      }
      const producer = createProducer({ bootstrap: ctx.bootstrap, clientId: 'kch-dlq', log });
      try {
        const result = await replayDeadLetters(ctx, o, { sink: producer, ...(condition ? { where: condition } : {}), dryRun: resolved.boolean(flags.dlqDryRun) });
        const fix = o.stream.fixUp ? `, ${result.fixed} changed by the stream's fixUp, ${result.skipped} left waiting (fixUp gave nothing)` : '';
        if (resolved.boolean(flags.dlqDryRun)) out(`dry run: ${result.claimed} dead letter(s) of ${o.stream.name} would be replayed to ${result.topic}${fix}\n`);
        else if (result.claimed === 0) out(`no dead letter of ${o.stream.name} waits to be replayed${condition ? ' with that condition' : ''}\n`);
        else out(`replayed ${result.sent} dead letter(s) of ${o.stream.name} to ${result.topic}, acknowledged by Kafka and marked replayed${fix}\n`);
      } finally {
        await producer.close();
      }
      return 0;
    });
  },
});

function printable(raw: Buffer): { text: string; valid: boolean } {
  const text = raw.toString('utf8');
  return { text, valid: Buffer.from(text, 'utf8').equals(raw) };
}

function asJson(letter: DeadLetter): Record<string, unknown> {
  const { text, valid } = printable(letter.raw);
  return {
    topic: letter.topic, partition: letter.partition, offset: letter.offset, kafka_timestamp: letter.kafkaTimestamp,
    seen_at: letter.seenAt, state: letter.state, error: letter.error, bytes: letter.raw.length, raw: text,
    ...(valid ? {} : { raw_hex: letter.raw.toString('hex') }),
  };
}

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function renderList(table: string, total: number, letters: readonly DeadLetter[]): string {
  if (total === 0) return `no dead letters in ${table}\n`;
  const header = ['PARTITION:OFFSET', 'SEEN AT', 'STATE', 'BYTES', 'ERROR', 'RAW'];
  const body = letters.map((l) => [`${l.partition}:${l.offset}`, l.seenAt, l.state, String(l.raw.length), clip(l.error, 60), clip(printable(l.raw).text, 60)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...body.map(line)].join('\n')}\n${letters.length < total ? `${letters.length} of ${total} shown (--limit)` : `${total} dead letter(s)`} in ${table}\n`;
}
