/**
 * The one judgement of the pipeline's health, for `kch status`, the dashboard and /metrics alike.
 * Health needs two looks some seconds apart: a lag alone says nothing, a lag with no offset
 * committed in between says the consumer stopped. What one look tells (most recent messages dead
 * letters) is judged the same way wherever it is shown. Pure: the facts come from gather.ts.
 */
import type { ConnectStatus, ConsumerStatus, Health, PartitionStatus, RecentArrivals, StatusReport, StreamStatus } from './model.js';

/**
 * Over how long a stream's recent messages are judged for dead letters: those that arrived (rows
 * by processing_time, dead letters by seen_at, both the server's clock) in the last 5 minutes.
 * Long enough to hold more than a handful of messages at a modest pace, short enough that the
 * dead letters of a producer fixed since (or of yesterday) stop counting within minutes.
 */
export const DEAD_LETTER_WINDOW_SECONDS = 300;
/** More than this share of the window's messages dead letters: the stream is unhealthy… */
export const DEAD_LETTER_SHARE = 0.5;
/** …provided there are at least this many of them: three bad messages of a quiet stream are no verdict. */
export const DEAD_LETTER_MIN = 10;

/**
 * The stream's problem when most of its recent messages (see the constants above) became dead
 * letters, naming the share and the newest error; null otherwise, or when it is not known.
 */
export function deadLetterProblem(stream: string, recent: RecentArrivals | null): string | null {
  if (!recent) return null;
  const total = recent.rows + recent.deadLetters;
  if (recent.deadLetters < DEAD_LETTER_MIN || recent.deadLetters <= total * DEAD_LETTER_SHARE) return null;
  const share = Number(((100 * recent.deadLetters) / total).toFixed(1));
  const n = (value: number): string => value.toLocaleString('en-US');
  const error = recent.newestError?.split('\n')[0]?.trim();
  const clipped = error && error.length > 200 ? `${error.slice(0, 200)}…` : error;
  return `mostly dead letters: ${n(recent.deadLetters)} of ${n(total)} messages in the last ${DEAD_LETTER_WINDOW_SECONDS / 60} min (${share} %) failed`
    + `${clipped ? `; newest error: ${clipped}` : ''} (kch dlq list ${stream})`;
}

/**
 * How long a consumer holding no partitions must poll without a new error before its last one is
 * history. An unreachable broker repeats its error at least every 10 s (librdkafka's
 * reconnect.backoff.max.ms), so 30 s without one means the connection is back.
 */
const QUIET_MS = 30_000;

/**
 * The consumer's last exception if it still stands, else null. It stands unless something worked
 * after it: an offset committed later, or, for a consumer holding partitions, a poll later (the
 * engine polls, then writes, so a write that fails leaves its error newer than the poll), or, for
 * one holding none (it lost them, or never got them, while the broker was away), polling on for
 * `QUIET_MS` with no new error. Times are whole seconds: an error in the same second as a commit
 * or poll stands. Used for the status screen and for the "consumer stopped" reason alike.
 */
export function currentError(consumer: ConsumerStatus): string | null {
  if (!consumer.lastException) return null;
  if (consumer.lastExceptionAt === null) return consumer.lastException;
  const at = Date.parse(consumer.lastExceptionAt);
  const after = (time: string | null): number => (time === null ? Number.NEGATIVE_INFINITY : Date.parse(time) - at);
  if (after(consumer.lastCommit) > 0) return null;
  if (consumer.partitions.length > 0 ? after(consumer.lastPoll) > 0 : after(consumer.lastPoll) >= QUIET_MS) return null;
  return consumer.lastException;
}

/** The first standing error among a stream's consumers (see `currentError`). */
export function streamError(s: Pick<StreamStatus, 'consumers'>): string | null {
  for (const consumer of s.consumers ?? []) {
    const error = currentError(consumer);
    if (error !== null) return error;
  }
  return null;
}

/**
 * Judges `current`, comparing it with `previous` (an earlier look) when there is one:
 * - a service that does not answer, or a stream without its Kafka table, is unhealthy;
 * - a paused stream is not (someone paused it), whatever its lag;
 * - a consuming stream is unhealthy when its lag is above 0 at both looks and no offset was
 *   committed in between (its consumer stopped), or when its lag grew by more than what was
 *   produced in between (it falls behind), or when most of its recent messages are dead letters
 *   (`deadLetterProblem`: one look is enough).
 */
export function judge(current: StatusReport, previous?: StatusReport): StatusReport {
  const windowSeconds = previous ? Math.max(0, (Date.parse(current.at) - Date.parse(previous.at)) / 1000) : 0;
  const streams = current.streams.map((s): StreamStatus => {
    const problems: string[] = [];
    const before = previous?.streams.find((p) => p.name === s.name);
    if (!current.kafka.reachable || !current.clickhouse.reachable || current.kafka.error) {
      problems.push(`cannot tell: ${!current.clickhouse.reachable ? 'ClickHouse' : 'Kafka'} does not answer`);
    } else if (s.consumption === 'missing') {
      problems.push(`no Kafka table ${s.kafkaTable}: run kch migrate`);
    } else {
      if (s.rows === null) problems.push(`no target table ${s.target}`);
      if (s.missingViews.length > 0) problems.push(`${s.missingViews.join(' and ')} missing: the Kafka table feeds nothing without them (kch migrate makes them again)`);
      // Paused or not, as the dashboard judges it (it does not know): a paused stream's window empties in minutes.
      const failing = deadLetterProblem(s.name, s.recent);
      if (failing) problems.push(failing);
      if (s.consumption === 'consuming' && s.lag !== null && s.lag > 0 && before && before.lag !== null && before.lag > 0) {
        // Reading on without committing is no progress when reads keep failing (a target it cannot write).
        if (committedSum(s) === committedSum(before) && (!readingOn(s, before) || failedSince(s, previous!.at))) {
          const why = streamError(s);
          const group = s.groupState && s.groupState !== 'STABLE' ? `, group ${s.groupState}` : '';
          problems.push(`consumer stopped: lag ${s.lag} and no offset committed in ${windowSeconds.toFixed(0)} s${group}${why ? `; last error: ${why.split('\n')[0]}` : ''}`);
        } else {
          const produced = endSum(s) - endSum(before);
          if (s.lag > before.lag && s.lag > produced) problems.push(`falling behind: lag grew from ${before.lag} to ${s.lag} in ${windowSeconds.toFixed(0)} s`);
        }
      }
    }
    if (s.consumption === 'consuming' && s.ingest === 'engine') {
      problems.push(...idleReplicas(s, current, previous), ...stalledReplicas(s, current, previous, windowSeconds));
    }
    const health: Health = problems.length > 0 ? 'unhealthy' : s.consumption === 'paused' ? 'paused' : 'ok';
    return { ...s, health, problems };
  });
  const connect = current.connect && { ...current.connect, problems: connectProblems(current.connect) };
  const healthy = current.kafka.reachable && !current.kafka.error && current.clickhouse.reachable && streams.every((s) => s.health !== 'unhealthy') && (connect?.problems.length ?? 0) === 0;
  return { ...current, streams, ...(connect ? { connect } : {}), healthy, windowSeconds };
}

/** A worker that was asked for and does not answer, and every FAILED connector or task (Connect does not restart those by itself). */
function connectProblems(connect: ConnectStatus): string[] {
  if (!connect.reachable) return [`Kafka Connect does not answer at ${connect.address}: ${connect.error ?? 'no answer'} (kch connect, or kch up --connect, runs one)`];
  return connect.connectors.flatMap((c) => {
    const failed = [...(c.state === 'FAILED' ? ['the connector'] : []), ...c.tasks.filter((t) => t.state === 'FAILED').map((t) => `task ${t.id}`)];
    return failed.length === 0 ? [] : [`connector ${c.name} (stream ${c.stream}): ${failed.join(' and ')} FAILED${c.error ? `: ${c.error}` : ''} (fix the cause, then POST ${connect.address}/connectors/${c.name}/restart?includeTasks=true)`];
  });
}

/**
 * Servers of a cluster whose Kafka table holds no partition of the stream although the topic has
 * one for each of them: stopped, or left out of the group. Named only when it is so at both looks
 * (a rebalance empties every member for a moment), and only where the server can tell (23.8+).
 */
function idleReplicas(s: StreamStatus, current: StatusReport, previous: StatusReport | undefined): string[] {
  const told = (current.replicas ?? []).filter((r) => r.reachable && r.consumes);
  if (told.length === 0 || s.partitions.length < told.length) return [];
  const idle = (report: StatusReport | undefined, host: string): boolean => {
    const r = report?.replicas?.find((x) => x.host === host);
    return r?.consumes !== undefined && (r.consumes[s.name] ?? []).length === 0;
  };
  return told.filter((r) => idle(current, r.host) && (!previous || idle(previous, r.host)))
    .map((r) => `replica ${r.host} consumes no partition of ${s.topic} (${s.partitions.length} partitions for ${told.length} servers): its Kafka table stopped or was left out of the group`);
}

/**
 * Servers of a cluster that hold the same partitions of the stream at both looks, with a lag on
 * them both times, and committed none of them in between: stopped while the group still counts
 * them in (so nothing moves their partitions to a server that works). Where it is known which
 * partitions each holds (23.8+, or Kafka's group).
 */
function stalledReplicas(s: StreamStatus, current: StatusReport, previous: StatusReport | undefined, windowSeconds: number): string[] {
  const before = previous?.streams.find((x) => x.name === s.name);
  // Only while the others commit: when none does, the stream's "consumer stopped" says it once.
  if (!before || committedSum(s) === committedSum(before)) return [];
  const out: string[] = [];
  for (const r of (current.replicas ?? []).filter((x) => x.reachable)) {
    const held = r.consumes?.[s.name] ?? [];
    const heldBefore = previous?.replicas?.find((x) => x.host === r.host)?.consumes?.[s.name];
    if (held.length === 0 || heldBefore?.join() !== held.join()) continue;
    const mine = (x: StreamStatus): PartitionStatus[] => x.partitions.filter((p) => held.includes(p.partition));
    const lag = (x: StreamStatus): number => mine(x).reduce((sum, p) => sum + p.lag, 0);
    const committed = (x: StreamStatus): number => mine(x).reduce((sum, p) => sum + (p.committed ?? 0), 0);
    if (lag(s) > 0 && lag(before) > 0 && committed(s) === committed(before)) {
      out.push(`replica ${r.host} holds partition${held.length > 1 ? 's' : ''} ${held.join(', ')} of ${s.topic} and committed none in ${windowSeconds.toFixed(0)} s (lag ${lag(s)}): its Kafka table stopped reading`);
    }
  }
  return out;
}

/**
 * Whether the table's consumer read messages between the looks although it committed nothing (it
 * commits after each block it wrote). Holding partitions and polling is not enough: a Kafka table
 * whose views are gone holds its partitions and reads nothing. Needs system.kafka_consumers.
 */
function readingOn(s: StreamStatus, before: StreamStatus): boolean {
  if (!s.consumers || !before.consumers) return false;
  const read = (x: StreamStatus): number => (x.consumers ?? []).reduce((sum, c) => sum + c.messagesRead, 0);
  return read(s) > read(before);
}

/** Whether a consumer of the stream reported an error at or after `since` (an ISO time). */
function failedSince(s: StreamStatus, since: string): boolean {
  const from = Date.parse(since) - 1000;
  return (s.consumers ?? []).some((c) => c.lastExceptionAt !== null && Date.parse(c.lastExceptionAt) >= from);
}

function committedSum(s: StreamStatus): number {
  return s.partitions.reduce((sum, p) => sum + (p.committed ?? 0), 0);
}

function endSum(s: StreamStatus): number {
  return s.partitions.reduce((sum, p) => sum + p.end, 0);
}
