/**
 * Dead letters: listing them, and re-producing them to their topic (`kch dlq replay`), optionally
 * after the stream's fixUp, so that each is replayed once.
 *
 * `replayed` is 0 for a dead letter waiting, 1 once replayed, and 2–254 while a replay holds it: a
 * replay first claims the dead letters it will send with a token of its own (one mutation, applied
 * before any message is sent), sends them, then marks them 1. A second replay running at the same
 * time finds them claimed; a replay that dies between sending and marking leaves them claimed, and
 * the next one refuses to start until a person has said whether they reached the topic (the
 * message says how). Of several dead letters for one Kafka message (read again by `kch replay`
 * without --dedupe, or after a crash), only the first is ever claimed, and none once one was
 * replayed.
 */
import { randomInt } from 'node:crypto';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { OutgoingMessage } from '../kafka/producer.js';
import type { OpsContext } from './context.js';
import type { ResolvedStream } from '../pipeline/resolve.js';
import type { TableRef } from '../pipeline/table-ref.js';
import { rows, scalar } from '../clickhouse/query.js';
import { literal } from '../pipeline/quote.js';
import { refuseWithReplicaDown } from '../clickhouse/replicas.js';
import { mutate, mutationSql } from './mutation.js';

export type DeadLetterState = 'pending' | 'replayed' | 'claimed';

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly kafkaTimestamp: string | null;
  readonly seenAt: string;
  readonly state: DeadLetterState;
  readonly error: string;
  /** The message as kept: byte for byte where the view decodes (25.8+) or the message did not parse; else the parsed row as JSON. */
  readonly raw: Buffer;
}

export interface ListOptions {
  readonly limit: number;
  /** A SQL condition over the dead-letter table's columns. */
  readonly where?: string;
  readonly state?: DeadLetterState;
}

const stateCondition: Record<DeadLetterState, string> = {
  pending: 'replayed = 0',
  replayed: 'replayed = 1',
  claimed: 'replayed NOT IN (0, 1)',
};

function condition(options: { where?: string; state?: DeadLetterState }): string {
  const parts = [options.state ? stateCondition[options.state] : '1'];
  if (options.where?.trim()) parts.push(`(${options.where})`);
  return parts.join(' AND ');
}

/** The newest dead letters first, and how many match in all. */
export async function listDeadLetters(ctx: OpsContext, objects: ResolvedStream, options: ListOptions): Promise<{ total: number; letters: DeadLetter[] }> {
  const where = condition(options);
  const total = await scalar(ctx.client, `SELECT count() FROM ${objects.deadLetter.toSql()} WHERE ${where}`, 'counting dead letters');
  const found = await rows<{ topic: string; partition: number | string; offset: number | string; kch_ts: string | null; kch_seen: string; replayed: number | string; error: string; raw_hex: string }>(ctx.client,
    `SELECT topic, partition, offset, toString(kafka_timestamp) AS kch_ts, toString(seen_at) AS kch_seen, replayed, error, hex(raw) AS raw_hex
     FROM ${objects.deadLetter.toSql()} WHERE ${where} ORDER BY seen_at DESC, partition DESC, offset DESC LIMIT ${Math.max(0, Math.floor(options.limit))}`,
    'reading dead letters');
  return { total, letters: found.map(toDeadLetter) };
}

function toDeadLetter(r: { topic: string; partition: number | string; offset: number | string; kch_ts: string | null; kch_seen: string; replayed: number | string; error: string; raw_hex: string }): DeadLetter {
  const replayed = Number(r.replayed);
  return {
    topic: r.topic,
    partition: Number(r.partition),
    offset: Number(r.offset),
    kafkaTimestamp: r.kch_ts,
    seenAt: r.kch_seen,
    state: replayed === 0 ? 'pending' : replayed === 1 ? 'replayed' : 'claimed',
    error: r.error,
    raw: Buffer.from(r.raw_hex, 'hex'),
  };
}

/** What `kch dlq replay` needs of a producer (src/kafka/producer.ts). */
export interface MessageSink {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

export interface DlqReplayOptions {
  readonly where?: string;
  readonly sink: MessageSink;
  /** Messages per send; each send is acknowledged before the next. @default 500 */
  readonly chunkSize?: number;
  /** Count and fix up, claim and send nothing. */
  readonly dryRun?: boolean;
}

export interface DlqReplayResult {
  /** Dead letters matching, not replayed before. */
  readonly claimed: number;
  /** Re-produced and acknowledged by Kafka, now marked replayed. */
  readonly sent: number;
  /** Changed by the stream's fixUp before sending. */
  readonly fixed: number;
  /** Left alone because the stream's fixUp returned undefined for them (still waiting). */
  readonly skipped: number;
  readonly topic: string;
}

interface Claimed {
  readonly key: string;
  readonly raw: Buffer;
}

/**
 * The dead letters that stand for their Kafka message: the first seen, and only if no copy of it
 * was replayed or is held (by a replay other than `mine`). Without _partition/_offset (18.x) a
 * dead letter cannot be matched to its message: each stands for itself. On a cluster both sides
 * read the Distributed table: GLOBAL runs the subquery once, over every server (a plain IN is
 * refused there as a double-distributed subquery).
 */
export function firstOfMessage(ctx: Pick<OpsContext, 'features' | 'target'>, deadLetter: TableRef, mine?: number): string {
  if (!ctx.features.kafkaVirtualColumns) return '1';
  const held = mine === undefined ? '0' : `0, ${mine}`;
  return `(topic, partition, offset, seen_at) ${ctx.target.cluster ? 'GLOBAL IN' : 'IN'} (SELECT topic, partition, offset, min(seen_at) FROM ${deadLetter.toSql()} GROUP BY topic, partition, offset HAVING countIf(replayed NOT IN (${held})) = 0)`;
}

export async function replayDeadLetters(ctx: OpsContext, objects: ResolvedStream, options: DlqReplayOptions): Promise<DlqReplayResult> {
  if (objects.stream.changes?.version === 'offset') {
    // Its changes are ordered by their offset: a replayed one would get a new offset, newer than
    // any change of its key since, in whatever partition it lands (docs/guarantees.md, section 7).
    throw new KchError(ErrorCodes.USAGE, `${objects.stream.name} orders a key's changes by their Kafka offset, so a replayed change would overwrite every later change of its key: produce the key's current row again instead (or give the stream a version: a field, or Debezium's source)`);
  }
  const claims = await rows<{ replayed: number | string; n: number | string }>(ctx.client,
    `SELECT replayed, count() AS n FROM ${objects.deadLetter.toSql()} WHERE ${stateCondition.claimed} GROUP BY replayed ORDER BY replayed`);
  if (claims.length > 0) {
    const tokens = claims.map((c) => Number(c.replayed));
    throw new KchError(ErrorCodes.USAGE, [
      `${claims.reduce((sum, c) => sum + Number(c.n), 0)} dead letter(s) of ${objects.stream.name} are held by a replay that is running or did not finish (replayed = ${tokens.join(', ')}).`,
      `See them with kch dlq list ${objects.stream.name} --state claimed; if they reached ${objects.topic}, mark them: kch query "${mutationSql(ctx, objects.stored.deadLetter, `UPDATE replayed = 1 WHERE replayed = ${tokens[0]}`)}";`,
      'if not, release them with replayed = 0 instead.',
    ].join(' '));
  }
  const token = randomInt(2, 255);
  const pending = condition({ state: 'pending', ...(options.where ? { where: options.where } : {}) });
  const claim = `${pending} AND ${firstOfMessage(ctx, objects.deadLetter)}`;
  const candidates = await scalar(ctx.client, `SELECT count() FROM ${objects.deadLetter.toSql()} WHERE ${claim}`, 'counting dead letters to replay');
  if (candidates === 0) return { claimed: 0, sent: 0, fixed: 0, skipped: 0, topic: objects.topic };
  if (options.dryRun) {
    // Nothing is claimed or written: only what the fixUp would make of them is counted.
    const raws = (await rows<{ raw_hex: string }>(ctx.client, `SELECT hex(raw) AS raw_hex FROM ${objects.deadLetter.toSql()} WHERE ${claim}`, 'reading dead letters'))
      .map((r) => Buffer.from(r.raw_hex, 'hex').toString('utf8'));
    const results = objects.stream.fixUp ? raws.map((raw) => ({ raw, fixed: objects.stream.fixUp!(raw) })) : [];
    return {
      claimed: raws.length, sent: 0, topic: objects.topic,
      fixed: results.filter((r) => r.fixed !== undefined && r.fixed !== r.raw).length,
      skipped: results.filter((r) => r.fixed === undefined).length,
    };
  }
  if (ctx.target.cluster) await refuseWithReplicaDown(ctx.client, ctx.target.cluster.name, `replaying ${objects.stream.name}'s dead letters`);
  // The claim's condition reads no other row, so every replica of a cluster applies it alike (a
  // replicated table refuses a mutation with a subquery); the later copies of a message it took
  // too are given back at once, before anything is sent.
  await mutate(ctx, objects.stored.deadLetter, `UPDATE replayed = ${token} WHERE ${pending}`, { action: 'claiming dead letters' });

  // Unique per dead letter (a Kafka message seen at one time), also on 18.x where offsets are 0.
  const key = "concat(topic, '/', toString(partition), '/', toString(offset), '/', toString(seen_at), '/', toString(cityHash64(raw)))";
  const claimed = (await rows<{ key: string; raw_hex: string; first: number | string }>(ctx.client,
    `SELECT ${key} AS key, hex(raw) AS raw_hex, ${firstOfMessage(ctx, objects.deadLetter, token)} AS first FROM ${objects.deadLetter.toSql()} WHERE replayed = ${token} ORDER BY partition, offset, seen_at`,
    'reading claimed dead letters'));
  const held = claimed.filter((r) => Number(r.first) === 1).map((r): Claimed => ({ key: r.key, raw: Buffer.from(r.raw_hex, 'hex') }));
  const copies = claimed.filter((r) => Number(r.first) !== 1).map((r): Claimed => ({ key: r.key, raw: Buffer.from(r.raw_hex, 'hex') }));

  const release = async (letters: readonly Claimed[], to: 0 | 1): Promise<void> => {
    for (let i = 0; i < letters.length; i += 1000) {
      const keys = letters.slice(i, i + 1000).map((l) => literal(l.key)).join(', ');
      await mutate(ctx, objects.stored.deadLetter, `UPDATE replayed = ${to} WHERE replayed = ${token} AND ${key} IN (${keys})`, { action: 'marking dead letters' });
    }
  };
  if (copies.length > 0) await release(copies, 0);

  const outgoing: { letter: Claimed; value: Buffer }[] = [];
  const skipped: Claimed[] = [];
  let fixed = 0;
  for (const letter of held) {
    if (!objects.stream.fixUp) {
      outgoing.push({ letter, value: letter.raw });
      continue;
    }
    const text = letter.raw.toString('utf8');
    const result = objects.stream.fixUp(text);
    if (result === undefined) {
      skipped.push(letter);
      continue;
    }
    if (result !== text) fixed += 1;
    outgoing.push({ letter, value: Buffer.from(result, 'utf8') });
  }
  if (skipped.length > 0) await release(skipped, 0);

  const size = options.chunkSize ?? 500;
  let sent = 0;
  for (let i = 0; i < outgoing.length; i += size) {
    const chunk = outgoing.slice(i, i + size);
    try {
      await options.sink.send(chunk.map((o) => ({ topic: objects.topic, value: o.value })));
    } catch (error) {
      // What was acknowledged is marked replayed, what was not attempted goes back to waiting;
      // the chunk that failed may or may not be in Kafka: it stays held for a person to decide.
      await release(outgoing.slice(0, i).map((o) => o.letter), 1).catch(() => undefined);
      await release(outgoing.slice(i + size).map((o) => o.letter), 0).catch(() => undefined);
      throw new KchError(ErrorCodes.KAFKA_REQUEST,
        `replaying ${objects.stream.name}'s dead letters stopped after ${sent} of ${outgoing.length}: ${(error as Error).message}. ${chunk.length} dead letter(s) may or may not have reached ${objects.topic}; they stay held (replayed = ${token}): see kch dlq list ${objects.stream.name} --state claimed`,
        { cause: error });
    }
    sent += chunk.length;
  }
  await mutate(ctx, objects.stored.deadLetter, `UPDATE replayed = 1 WHERE replayed = ${token}`, { action: 'marking dead letters replayed' });
  return { claimed: held.length, sent, fixed, skipped: skipped.length, topic: objects.topic };
}
