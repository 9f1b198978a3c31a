/**
 * A producer that does not lose or duplicate events when Kafka goes away for a while: idempotent
 * (the broker drops a batch it already has), acknowledged by all in-sync replicas, and retrying
 * with exponential back-off for as long as it takes. An outage is one warning line, and its end
 * one info line, whatever the number of attempts in between.
 */
import type { CompressionAlgorithmValue } from '@platformatic/kafka';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import { fromKafkaError, isRetriable, isUnreachable, kafkaErrorText, reasonOf } from './errors.js';
import { describeBrokers, parseBrokers } from './brokers.js';
import { refuseLeaderlessRequests } from './leaderless.js';
import { RecordSetProducer, type PendingSet } from './record-set-producer.js';
import { RecordSetBuilder, type RecordSet } from './records.js';
import { clientSecurity } from './security.js';

export interface OutgoingMessage {
  readonly topic: string;
  readonly value: Buffer | string;
}

export type Compression = CompressionAlgorithmValue;

export interface CreateProducerOptions {
  readonly bootstrap: string;
  readonly clientId: string;
  readonly log: Logger;
  /**
   * Batch compression. lz4 by default: JSON events shrink about 5×, so the broker's disk and 1 MB
   * fetch and message limits hold 5× more events. The wasm lz4 is about a third of the
   * generator's CPU at full speed (BENCHMARKS.md); `none` saves that, for 5× the bytes, and suits
   * brokers or consumers without lz4. @default 'lz4'
   */
  readonly compression?: Compression;
  /** Longest pause between two attempts while Kafka is down (default 5 s: a restarted local broker is noticed soon). */
  readonly maxBackoffMs?: number;
}

export interface KafkaProducer {
  /** Resolves once Kafka has acknowledged every message (acks=all); retries while it is down. */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * The same for records already encoded (RecordSetBuilder), at most one set per topic: each
   * set is one batch on one partition, the partitions taken in turn.
   */
  sendSets(sets: readonly RecordSet[]): Promise<void>;
  /** Resolves when every `send` called so far has settled. */
  flush(): Promise<void>;
  /**
   * Lets pending sends finish (for up to `graceMs`, default 10 s, unless Kafka is down), then
   * closes the connections; sends still waiting then fail with KAFKA_UNREACHABLE.
   */
  close(graceMs?: number): Promise<void>;
}

/** Back-off before attempt `attempt` (1-based): 100 ms doubling up to `max`, ±20 % jitter. */
export function backoffMs(attempt: number, max: number, random: () => number = Math.random): number {
  const base = Math.min(max, 100 * 2 ** Math.min(Math.max(attempt - 1, 0), 20));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export function createProducer(options: CreateProducerOptions): KafkaProducer {
  const { log } = options;
  const addresses = parseBrokers(options.bootstrap);
  const where = describeBrokers(addresses);
  const maxBackoff = options.maxBackoffMs ?? 5_000;
  refuseLeaderlessRequests();

  /** Set while Kafka is down, so that an outage is logged once. */
  let outage: { since: number; attempts: number } | undefined;
  /** Set when Kafka keeps refusing for another retriable reason, logged once per episode too. */
  let refusing: string | undefined;

  const producer = new RecordSetProducer({
    clientId: options.clientId,
    bootstrapBrokers: addresses.map(({ host, port }) => ({ host, port })),
    idempotent: true,
    acks: -1,
    // Retries are ours (sendNow): the client's own retry of a produce request goes back to the
    // leader it looked up first, so when that broker died it knocked on a closed door for ever.
    // Two quick ones here (the client makes an idempotent producer's 0 or 1 into "for ever").
    retries: 2,
    retryDelay: 100,
    connectTimeout: 5_000,
    timeout: 30_000,
    compression: options.compression ?? 'lz4',
    // The seed's producer relied on topics appearing on first use; the broker decides whether
    // it allows that.
    autocreateTopics: true,
    // TLS and SASL for an external Kafka (KAFKA_SECURITY_PROTOCOL …); nothing for plaintext.
    ...clientSecurity(),
  });

  /** Logs a failed attempt: an outage once, a lasting refusal once, every attempt at debug level. */
  const failed = (error: Error, attempt: number): void => {
    if (isUnreachable(error)) {
      if (!outage) {
        outage = { since: performance.now(), attempts: 0 };
        log.warn(`Kafka at ${where} is unreachable (${reasonOf(error) ?? error.message}); holding messages and retrying with back-off up to ${maxBackoff / 1000} s`);
      }
      outage.attempts += 1;
    } else if (attempt >= 5 && refusing === undefined) {
      // Short-lived refusals (a leader moving, a topic being auto-created) are normal; say
      // something only when one lasts.
      refusing = error.message;
      log.warn(`Kafka at ${where} keeps refusing messages (${kafkaErrorText(error)}); still retrying`);
    }
    log.debug(`produce attempt ${attempt} failed: ${error.message}`);
  };

  const recovered = (): void => {
    if (outage) {
      const seconds = ((performance.now() - outage.since) / 1000).toFixed(1);
      log.info(`Kafka at ${where} is reachable again after ${seconds} s (${outage.attempts} retries); sending resumed`);
      outage = undefined;
    }
    if (refusing !== undefined) log.info(`Kafka at ${where} accepts messages again`);
    refusing = undefined;
  };

  // Sends run one at a time: if a batch in flight failed, the one after it would reach the broker
  // with a gap in its sequence numbers and be refused; one at a time, they arrive in order.
  let queue: Promise<unknown> = Promise.resolve();
  let pending = 0;
  let closed = false;
  /** Ends the back-off pauses when close() gives up on pending sends. */
  const closing = new AbortController();
  const pause = (ms: number): Promise<void> => new Promise((resolvePause) => {
    if (closing.signal.aborted) { resolvePause(); return; }
    const done = (): void => { clearTimeout(timer); closing.signal.removeEventListener('abort', done); resolvePause(); };
    const timer = setTimeout(done, ms);
    closing.signal.addEventListener('abort', done);
  });

  /** The partition each topic's next set goes to: taken in turn, reduced by the client modulo the topic's partitions. */
  const nextPartition = new Map<string, number>();

  const sendNow = async (sets: readonly RecordSet[]): Promise<void> => {
    const carried: PendingSet[] = sets.map((set) => ({ set }));
    const messages = carried.map((value) => {
      const partition = nextPartition.get(value.set.topic) ?? 0;
      nextPartition.set(value.set.topic, (partition + 1) % 1_000_000);
      return { topic: value.set.topic, partition, value };
    });
    const topics = [...new Set(sets.map((set) => set.topic))];
    // Every attempt sends the same pending sets, so they keep their sequence numbers and the
    // broker (the old leader or the new one, which has the producer's state from the log) keeps
    // exactly one copy of a set whose acknowledgement was lost.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await producer.send({ messages });
        recovered();
        return;
      } catch (error) {
        if (closed || !isRetriable(error)) {
          // Not sent: the next sets take these sets' sequence numbers, as the broker expects.
          for (const p of carried) producer.release(p);
          const events = sets.reduce((sum, set) => sum + set.count, 0);
          if (closed) {
            throw new KchError(ErrorCodes.KAFKA_UNREACHABLE, `producer closed before Kafka at ${where} acknowledged ${events} message(s)`, { retriable: true, cause: error });
          }
          throw fromKafkaError(error, addresses, 'accept messages');
        }
        failed(error as Error, attempt);
        await pause(backoffMs(attempt, maxBackoff));
        // Ask again who leads these partitions: a leader that died or moved is why many sends fail.
        // A forced update keeps the brokers already discovered, so a dead bootstrap broker does not
        // hide the live ones.
        if (!closed) await producer.metadata({ topics, forceUpdate: true }).catch(() => undefined);
      }
    }
  };

  const enqueue = (sets: readonly RecordSet[]): Promise<void> => {
    if (closed) return Promise.reject(new KchError(ErrorCodes.KAFKA_REQUEST, 'send() after close()'));
    if (sets.length === 0) return Promise.resolve();
    const topics = new Set(sets.map((set) => set.topic));
    if (topics.size !== sets.length) return Promise.reject(new KchError(ErrorCodes.KAFKA_REQUEST, 'sendSets(): more than one record set for a topic'));
    pending += 1;
    const result = queue.then(() => sendNow(sets));
    queue = result.catch(() => undefined).finally(() => { pending -= 1; });
    return result;
  };

  return {
    send(messages) {
      const builders = new Map<string, RecordSetBuilder>();
      for (const message of messages) {
        let builder = builders.get(message.topic);
        if (!builder) builders.set(message.topic, builder = new RecordSetBuilder(message.topic, 4096));
        builder.append(typeof message.value === 'string' ? Buffer.from(message.value) : message.value);
      }
      return enqueue([...builders.values()].map((builder) => builder.take()!));
    },
    sendSets: enqueue,
    async flush() {
      await queue;
    },
    async close(graceMs = 10_000) {
      if (closed) return;
      if (pending > 0 && !outage) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([queue, new Promise((resolveWait) => { timer = setTimeout(resolveWait, graceMs); })]);
        clearTimeout(timer);
      }
      closed = true;
      closing.abort();
      // force: also ends the retry loops of sends still waiting for Kafka.
      await new Promise<void>((resolveClose) => producer.close(true, () => resolveClose()));
      await queue;
    },
  };
}
