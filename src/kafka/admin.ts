/**
 * The few Kafka admin requests the pipeline needs, over @platformatic/kafka, and the one place
 * admin clients are built (with the TLS and SASL settings of security.ts). The functions taking a
 * bootstrap string open a short-lived client and close it: they run at start-up and for status,
 * not in a hot loop. A process that asks every second (the dashboard) keeps a `SharedAdmin`.
 */
import { Admin, FindCoordinatorKeyTypes, ListOffsetTimestamps, type AdminOptions } from '@platformatic/kafka';
import { ErrorCodes, KchError, isKchError, messageOf } from '../errors/kch-error.js';
import { describeBrokers, parseBrokers, type BrokerAddress } from './brokers.js';
import { refuseLeaderlessRequests } from './leaderless.js';
import { errnoReason, fromKafkaError, hasApiError, isUnreachable, kafkaUnreachableHint, reasonOf } from './errors.js';
import { clientSecurity } from './security.js';
import { poll } from '../time/poll.js';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

/** Offsets per topic, then per partition. */
export type OffsetsByTopic = Map<string, Map<number, bigint>>;

export interface ClusterDescription {
  readonly clusterId: string;
  readonly controllerId: number;
  readonly brokers: readonly { readonly id: number; readonly host: string; readonly port: number; readonly rack: string | null }[];
  /**
   * Kafka does not report its release over the wire, so this is only known for a broker we
   * started ourselves; callers that know it fill it in.
   */
  readonly version?: string;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

const clientId = 'kch-admin';

/**
 * Polls with a real metadata request until Kafka answers, the deadline passes or `signal` aborts.
 * The deadline bounds the whole wait, a broker that accepts connections and never answers
 * included: each attempt gets what is left of it (connection and request alike).
 */
export async function waitForKafka(bootstrap: string, options: WaitOptions): Promise<ClusterDescription> {
  return untilAnswered(bootstrap, options, (admin) => describe(admin));
}

/** One API a broker supports, with the range of versions it speaks (its ApiVersions answer). */
export interface ApiRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface KafkaProbe extends ClusterDescription {
  readonly apis: readonly ApiRange[];
  /** Of the topics asked about (`probeKafka`'s `topics`): how their partitions are copied. */
  readonly replication: Replication;
}

/**
 * What a cluster's copies of the asked topics' partitions say: brokers that hold copies but do
 * not answer (a broker that is down drops out of the metadata, its assignments stay), and the
 * partitions with fewer copies in sync than assigned.
 */
export interface Replication {
  readonly missingBrokers: readonly number[];
  readonly underReplicated: readonly { readonly topic: string; readonly partition: number; readonly replicas: number; readonly inSync: number }[];
}

/**
 * `waitForKafka` that also asks which API versions the broker speaks, on the same connection and
 * within the same deadline (see `versionFromApis`).
 */
export async function probeKafka(bootstrap: string, options: WaitOptions & { readonly topics?: readonly string[] }): Promise<KafkaProbe> {
  return untilAnswered(bootstrap, options, async (admin) => {
    const cluster = await describe(admin);
    const apis = (await admin.listApis()).map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));
    const replication = await replicationOf(admin, options.topics ?? [], new Set(cluster.brokers.map((b) => b.id)));
    return { ...cluster, apis, replication };
  });
}

async function replicationOf(admin: Admin, topics: readonly string[], live: ReadonlySet<number>): Promise<Replication> {
  const missing = new Set<number>();
  const underReplicated: Replication['underReplicated'][number][] = [];
  for (const [topic, info] of await existingTopicsMetadata(admin, topics)) {
    for (const [partition, copies] of info.partitions.entries()) {
      for (const id of copies.replicas) if (!live.has(id)) missing.add(id);
      if (copies.isr.length < copies.replicas.length) underReplicated.push({ topic, partition, replicas: copies.replicas.length, inSync: copies.isr.length });
    }
  }
  return { missingBrokers: [...missing].sort((a, b) => a - b), underReplicated };
}

async function untilAnswered<T>(bootstrap: string, options: WaitOptions, work: (admin: Admin) => Promise<T>): Promise<T> {
  const addresses = parseBrokers(bootstrap);
  let last: unknown;
  let telling: string | undefined;
  const answer = await poll(async (remaining) => {
    if (remaining <= 0) return undefined;
    const budget = Math.max(1, Math.min(2_000, remaining));
    try {
      return { value: await withDeadline(
        withAdmin(addresses, 'connect', work, { connectTimeout: budget, requestTimeout: budget, retries: 0 }),
        remaining, () => new KchError(ErrorCodes.TIMEOUT, 'no answer', { retriable: true })) };
    } catch (error) {
      last = error;
      // The system's own reason (ECONNREFUSED) as soon as one attempt gives it: the last attempt,
      // cut short by the deadline, may end in a bare timeout that says less.
      telling ??= errnoReason(error);
      // Wrong credentials do not fix themselves while we wait.
      if (isKchError(error) && error.details?.authentication) throw error;
      return undefined;
    }
  }, { timeoutMs: options.timeoutMs, pauseMs: 100, maxPauseMs: 1_000, ...(options.signal ? { signal: options.signal } : {}) });
  if (answer) return answer.value;
  const reason = telling ?? reasonOf(last) ?? (isKchError(last) ? last.message.replace(kafkaUnreachableHint, '') : messageOf(last));
  throw new KchError(
    ErrorCodes.KAFKA_UNREACHABLE,
    `Kafka at ${describeBrokers(addresses)} did not answer within ${formatSeconds(options.timeoutMs)} (${reason})${kafkaUnreachableHint}`,
    { retriable: true, cause: last },
  );
}

/** `promise`, or `error()` once `ms` passed (the work goes on in the background, its result ignored). */
function withDeadline<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(error()), ms); });
  promise.catch(() => undefined);
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) || seconds >= 10 ? seconds.toFixed(0) : seconds.toFixed(1)} s`;
}

/**
 * What a broker's API versions say of its release, as the oldest release it must at least be:
 * Kafka does not send its version over the wire, but each release adds request versions (and 4.0
 * dropped old ones, KIP-896). Markers are versions every broker of that release offers, whatever
 * its configuration (none is an early-access API). Returns e.g. `4.0`, or undefined when the
 * answer predates every marker (older than 2.8).
 */
export function versionFromApis(apis: readonly ApiRange[]): string | undefined {
  const api = (key: number): ApiRange | undefined => apis.find((a) => a.apiKey === key);
  const max = (key: number): number => api(key)?.maxVersion ?? -1;
  const [produce, fetch, listOffsets, findCoordinator, joinGroup] = [0, 1, 2, 10, 11];
  if ((api(fetch)?.minVersion ?? 0) >= 4) return '4.0';
  if (max(produce) >= 11 && max(findCoordinator) >= 5) return '3.8';
  if (max(produce) >= 10 && max(fetch) >= 16) return '3.7';
  if (max(joinGroup) >= 9) return '3.2';
  if (max(fetch) >= 13) return '3.1';
  if (max(listOffsets) >= 7) return '3.0';
  if (max(produce) >= 9 && max(listOffsets) >= 6) return '2.8';
  return undefined;
}

/**
 * Waits until the broker can coordinate consumer groups. A fresh broker creates its offsets topic
 * (`__consumer_offsets`) only when the first group asks for a coordinator, and that group's
 * consumer then waits seconds for it: the benchmark saw the first Kafka table's first rows after
 * ~5 s against ~1.5 s for later ones. Asking once at start-up moves that wait out of the pipeline's
 * way. Returns whether the coordinator answered within the time given (not having one is not fatal).
 */
export async function warmGroupCoordinator(bootstrap: string, options: WaitOptions): Promise<boolean> {
  const admin = createAdmin(parseBrokers(bootstrap), { retries: 0 });
  try {
    const answered = await poll(async () => {
      try {
        const found = await admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: ['kch-warm-up'] });
        return found.length > 0 ? true : undefined;
      } catch {
        // COORDINATOR_NOT_AVAILABLE while the offsets topic is being created: ask again.
        return undefined;
      }
    }, { timeoutMs: options.timeoutMs, pauseMs: 200, ...(options.signal ? { signal: options.signal } : {}) });
    return answered ?? false;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

export async function describeCluster(bootstrap: string): Promise<ClusterDescription> {
  return withAdmin(bootstrap, 'describe the cluster', (admin) => describe(admin));
}

async function describe(admin: Admin): Promise<ClusterDescription> {
  const metadata = await admin.metadata({ topics: [] });
  return {
    clusterId: metadata.id,
    controllerId: metadata.controllerId,
    brokers: [...metadata.brokers].map(([id, broker]) => ({ id, host: broker.host, port: broker.port, rack: broker.rack ?? null }))
      .sort((a, b) => a.id - b.id),
  };
}

/**
 * Creates the topics that do not exist yet and returns their names. Existing topics are left
 * alone, even with another partition count: repartitioning reorders keyed events, which is a
 * decision for a person. Replication is the cluster's default (-1), so an external cluster keeps
 * its own policy.
 */
export async function ensureTopics(bootstrap: string, topics: readonly TopicSpec[]): Promise<string[]> {
  for (const topic of topics) {
    if (!Number.isSafeInteger(topic.partitions) || topic.partitions < 1) {
      throw new KchError(ErrorCodes.USAGE, `topic ${topic.name} needs at least 1 partition, got ${topic.partitions}`);
    }
  }
  return withAdmin(bootstrap, 'create topics', async (admin) => {
    const existing = new Set(await admin.listTopics({ includeInternals: true }));
    const created: string[] = [];
    for (const topic of topics) {
      if (existing.has(topic.name)) continue;
      try {
        await admin.createTopics({ topics: [topic.name], partitions: topic.partitions });
        created.push(topic.name);
      } catch (error) {
        // Someone else (another kch, auto-creation by a producer) won the race: that is fine.
        if (!hasApiError(error, 'TOPIC_ALREADY_EXISTS')) throw error;
      }
      existing.add(topic.name);
    }
    return created;
  });
}

/**
 * The offset the next message of each partition will get. A topic that does not exist maps to
 * an empty map (nothing was ever written), so a status screen need not special-case it.
 */
export async function listEndOffsets(bootstrap: string, topics: readonly string[]): Promise<OffsetsByTopic> {
  return withAdmin(bootstrap, 'list offsets', (admin) => endOffsetsWith(admin, topics));
}

/**
 * `listEndOffsets` over a client the caller holds; `present` (from `partitionCounts`) saves
 * asking which topics exist when the caller already did.
 */
export async function endOffsetsWith(admin: Admin, topics: readonly string[], present?: ReadonlyMap<string, number>): Promise<OffsetsByTopic> {
  const result: OffsetsByTopic = new Map(topics.map((topic) => [topic, new Map<number, bigint>()]));
  const counts = [...(present ?? await partitionCounts(admin, topics))].filter(([name]) => result.has(name));
  if (counts.length === 0) return result;
  const listed = await admin.listOffsets({
    topics: counts.map(([name, count]) => ({
      name,
      partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp: ListOffsetTimestamps.LATEST })),
    })),
  });
  for (const topic of listed) {
    const partitions = result.get(topic.name) ?? new Map<number, bigint>();
    for (const partition of topic.partitions) partitions.set(partition.partitionIndex, partition.offset);
    result.set(topic.name, partitions);
  }
  return result;
}

/**
 * A consumer group's committed offsets for the given topics. Partitions the group never
 * committed are absent; an unknown group gives empty maps.
 */
export async function committedOffsets(bootstrap: string, groupId: string, topics: readonly string[]): Promise<OffsetsByTopic> {
  return withAdmin(bootstrap, `read the offsets of group ${groupId}`, (admin) => committedOffsetsWith(admin, groupId, topics));
}

/** `committedOffsets` over a client the caller holds; `present` as for `endOffsetsWith`. */
export async function committedOffsetsWith(admin: Admin, groupId: string, topics: readonly string[], present?: ReadonlyMap<string, number>): Promise<OffsetsByTopic> {
  const result: OffsetsByTopic = new Map(topics.map((topic) => [topic, new Map<number, bigint>()]));
  const counts = [...(present ?? await partitionCounts(admin, topics))].filter(([name]) => result.has(name));
  if (counts.length === 0) return result;
  const groups = await admin.listConsumerGroupOffsets({
    groups: [{
      groupId,
      topics: counts.map(([name, count]) => ({ name, partitionIndexes: Array.from({ length: count }, (_, i) => i) })),
    }],
  });
  for (const group of groups) {
    for (const topic of group.topics) {
      const partitions = result.get(topic.name) ?? new Map<number, bigint>();
      for (const partition of topic.partitions) {
        if (partition.committedOffset >= 0n) partitions.set(partition.partitionIndex, partition.committedOffset);
      }
      result.set(topic.name, partitions);
    }
  }
  return result;
}

/** Partition counts of the topics that exist; without auto-creation, asking must not create them. */
export async function partitionCounts(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  return new Map([...await existingTopicsMetadata(admin, topics)].map(([topic, info]) => [topic, info.partitionsCount]));
}

/** Metadata of those of `topics` that exist, fresh, asked without creating any. */
async function existingTopicsMetadata(admin: Admin, topics: readonly string[]) {
  const existing = new Set(await admin.listTopics({ includeInternals: true }));
  const wanted = [...new Set(topics)].filter((topic) => existing.has(topic));
  if (wanted.length === 0) return [];
  const metadata = await admin.metadata({ topics: wanted, autocreateTopics: false, forceUpdate: true });
  return wanted.flatMap((topic) => {
    const info = metadata.topics.get(topic);
    return info ? [[topic, info] as const] : [];
  });
}

export type AdminSettings = Partial<Pick<AdminOptions, 'clientId' | 'connectTimeout' | 'timeout' | 'retries'>> & {
  /** How long one request waits for its answer (the client's default is 30 s). */
  readonly requestTimeout?: number;
};

/** What every client but the producer starts from: the brokers, our timeouts, then TLS and SASL (security.ts). */
export function clientBase(addresses: readonly BrokerAddress[]): {
  bootstrapBrokers: { host: string; port: number }[];
  connectTimeout: number;
  timeout: number;
  retries: number;
  retryDelay: number;
} & ReturnType<typeof clientSecurity> {
  refuseLeaderlessRequests();
  return {
    bootstrapBrokers: addresses.map(({ host, port }) => ({ host, port })),
    connectTimeout: 5_000,
    timeout: 15_000,
    retries: 2,
    retryDelay: 250,
    // TLS and SASL for an external Kafka (KAFKA_SECURITY_PROTOCOL …); nothing for plaintext.
    ...clientSecurity(),
  };
}

/** The one place admin clients are built: `clientBase`, then `settings`. */
export function createAdmin(addresses: readonly BrokerAddress[], settings: AdminSettings = {}): Admin {
  return new Admin({ clientId, ...clientBase(addresses), ...settings });
}

/** Runs `work` with a fresh client, always closes it, and turns client errors into KchErrors. */
export async function withAdmin<T>(bootstrap: string | readonly BrokerAddress[], action: string, work: (admin: Admin) => Promise<T>, settings: AdminSettings = {}): Promise<T> {
  const addresses = typeof bootstrap === 'string' ? parseBrokers(bootstrap) : bootstrap;
  const admin = createAdmin(addresses, settings);
  try {
    return await work(admin);
  } catch (error) {
    throw fromKafkaError(error, addresses, action);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** What `SharedAdmin` needs of a client; an `Admin` (tests give a stand-in). */
export interface ClosableClient {
  close(): Promise<void>;
}

export interface SharedAdminOptions<C extends ClosableClient> {
  readonly settings?: AdminSettings;
  /** Builds a client; `createAdmin` unless a test stands in. */
  readonly create?: (addresses: readonly BrokerAddress[], settings: AdminSettings) => C;
}

/**
 * One admin client for a process that asks Kafka over and over (the dashboard, every second):
 * built on first use and kept, so a request costs a round trip, not a connection, an API-version
 * handshake (and TLS and SASL) on top. After a failure the client is closed and forgotten, so the
 * next call starts from a new one: a broker that restarted, or a connection that went stale, does
 * not leave it broken. A client that had answered before and now cannot reach Kafka is replaced
 * at once and the call tried once more, so an idle connection the broker dropped is not reported
 * as an outage. `close()` ends it for good.
 */
export class SharedAdmin<C extends ClosableClient = Admin> {
  private client: { readonly instance: C; served: boolean } | undefined;
  private closed = false;
  private readonly addresses: readonly BrokerAddress[];
  private readonly settings: AdminSettings;
  private readonly create: (addresses: readonly BrokerAddress[], settings: AdminSettings) => C;

  constructor(bootstrap: string, options: SharedAdminOptions<C> = {}) {
    this.addresses = parseBrokers(bootstrap);
    this.settings = options.settings ?? {};
    this.create = options.create ?? (createAdmin as unknown as (addresses: readonly BrokerAddress[], settings: AdminSettings) => C);
  }

  /** Runs `work` with the shared client; failures come back as KchErrors, as from `withAdmin`. */
  async run<T>(action: string, work: (admin: C) => Promise<T>): Promise<T> {
    const current = this.acquire(action);
    try {
      return await this.use(current, work);
    } catch (error) {
      if (!(current.served && isUnreachable(error)) || this.closed) throw fromKafkaError(error, this.addresses, action);
    }
    try {
      return await this.use(this.acquire(action), work);
    } catch (error) {
      throw fromKafkaError(error, this.addresses, action);
    }
  }

  /** One call on one client: marked as having served, or discarded when it fails. */
  private async use<T>(entry: ReturnType<SharedAdmin<C>['acquire']>, work: (admin: C) => Promise<T>): Promise<T> {
    try {
      const value = await work(entry.instance);
      entry.served = true;
      return value;
    } catch (error) {
      this.discard(entry);
      throw error;
    }
  }

  /** Closes the client; later calls fail. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    const current = this.client;
    this.client = undefined;
    await current?.instance.close().catch(() => undefined);
  }

  private acquire(action: string): { readonly instance: C; served: boolean } {
    if (this.closed) throw new KchError(ErrorCodes.KAFKA_UNREACHABLE, `cannot ${action}: the Kafka client was closed`, { retriable: false });
    this.client ??= { instance: this.create(this.addresses, this.settings), served: false };
    return this.client;
  }

  /** Forgets `failed` (unless another call already replaced it) and closes it in the background. */
  private discard(failed: { readonly instance: C }): void {
    if (this.client === failed) this.client = undefined;
    failed.instance.close().catch(() => undefined);
  }
}
