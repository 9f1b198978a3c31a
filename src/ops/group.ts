/**
 * The consumer group of a Kafka-engine table, as the broker sees it: its state and members, moving
 * its committed offsets (OffsetCommit, only while the group is empty), and the offsets at a time
 * (ListOffsets). Each call opens a short-lived admin client, built by src/kafka/admin.ts.
 */
import { ListOffsetTimestamps, type Admin } from '@platformatic/kafka';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { withAdmin as withKafkaAdmin } from '../kafka/admin.js';
import { pollFor } from './wait.js';

export interface GroupMember {
  readonly id: string;
  readonly clientId: string;
  /** The address the member connects from, as the broker sees it (`/10.0.0.5`). */
  readonly host: string;
  /** Per topic, the partitions the group's leader gave this member. */
  readonly assigned: Readonly<Record<string, readonly number[]>>;
}

export interface GroupDescription {
  readonly id: string;
  /** The broker's word: STABLE, EMPTY, PREPARING_REBALANCE, COMPLETING_REBALANCE, DEAD. */
  readonly state: string;
  readonly members: readonly GroupMember[];
}

/** Every call here opens its own admin client as `kch-ops` (built with the security settings by src/kafka/admin.ts). */
function withAdmin<T>(bootstrap: string, action: string, work: (admin: Admin) => Promise<T>): Promise<T> {
  return withKafkaAdmin(bootstrap, action, work, { clientId: 'kch-ops' });
}

export async function describeGroups(bootstrap: string, groupIds: readonly string[]): Promise<Map<string, GroupDescription>> {
  if (groupIds.length === 0) return new Map();
  return withAdmin(bootstrap, 'describe consumer groups', (admin) => describeGroupsWith(admin, groupIds));
}

/** The same through an admin client the caller keeps (the dashboard's shared one). */
export async function describeGroupsWith(admin: Admin, groupIds: readonly string[]): Promise<Map<string, GroupDescription>> {
  const groups = await admin.describeGroups({ groups: [...groupIds] });
  const out = new Map<string, GroupDescription>();
  for (const [id, group] of groups) {
    out.set(id, {
      id,
      state: group.state,
      members: [...group.members.values()].map((m) => ({
        id: m.id, clientId: m.clientId, host: m.clientHost,
        assigned: Object.fromEntries([...(m.assignments?.values() ?? [])].map((a) => [a.topic, [...a.partitions].sort((x, y) => x - y)])),
      })),
    });
  }
  return out;
}

export async function describeGroup(bootstrap: string, groupId: string): Promise<GroupDescription> {
  return (await describeGroups(bootstrap, [groupId])).get(groupId) ?? { id: groupId, state: 'DEAD', members: [] };
}

/**
 * Waits until the group has no member. A Kafka table that was detached may not have said goodbye
 * (ClickHouse 26 sends no LeaveGroup), so its member stays until its session times out.
 */
export async function waitForEmptyGroup(bootstrap: string, groupId: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<number> {
  const started = performance.now();
  let members: GroupDescription['members'] = [];
  const waitedMs = await pollFor(`consumer group ${groupId} to empty`, async () => {
    ({ members } = await describeGroup(bootstrap, groupId));
    return members.length === 0 ? performance.now() - started : undefined;
  }, { timeoutMs: options.timeoutMs, pauseMs: 500, ...(options.signal ? { signal: options.signal } : {}) });
  if (waitedMs === undefined) {
    throw new KchError(ErrorCodes.TIMEOUT,
      `consumer group ${groupId} still has ${members.length} member(s) after ${Math.round(options.timeoutMs / 1000)} s (${members.map((m) => `${m.clientId} from ${m.host}`).join(', ')}); its offsets can only be moved while nobody consumes`);
  }
  return waitedMs;
}

/** Commits offsets for the group (OffsetCommit with no generation: the broker refuses while it has members). */
export async function commitGroupOffsets(bootstrap: string, groupId: string, topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
  await withAdmin(bootstrap, `move the offsets of group ${groupId}`, async (admin) => {
    await admin.alterConsumerGroupOffsets({
      groupId,
      topics: [{ name: topic, partitionOffsets: [...offsets].map(([partition, offset]) => ({ partition, offset })) }],
    });
  });
}

/**
 * Per partition, the first offset whose timestamp is at or after `at` (ListOffsets by time); a
 * partition with nothing that recent maps to its end offset.
 */
export async function offsetsForTime(bootstrap: string, topic: string, partitions: readonly number[], at: Date): Promise<Map<number, bigint>> {
  return withAdmin(bootstrap, `look up offsets of ${topic} at ${at.toISOString()}`, async (admin) => {
    const ask = async (timestamp: (partition: number) => bigint): Promise<Map<number, bigint>> => {
      const listed = await admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp: timestamp(partitionIndex) })) }] });
      const out = new Map<number, bigint>();
      for (const t of listed) for (const p of t.partitions) out.set(p.partitionIndex, p.offset);
      return out;
    };
    const byTime = await ask(() => BigInt(at.getTime()));
    const missing = [...byTime].filter(([, offset]) => offset < 0n).map(([partition]) => partition);
    if (missing.length > 0) {
      const ends = await ask(() => ListOffsetTimestamps.LATEST);
      for (const partition of missing) byTime.set(partition, ends.get(partition) ?? 0n);
    }
    return byTime;
  });
}

/** Per partition, the earliest offset still in the log. */
export async function startOffsets(bootstrap: string, topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
  return withAdmin(bootstrap, `list the first offsets of ${topic}`, async (admin) => {
    const listed = await admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp: ListOffsetTimestamps.EARLIEST })) }] });
    const out = new Map<number, bigint>();
    for (const t of listed) for (const p of t.partitions) out.set(p.partitionIndex, p.offset);
    return out;
  });
}

/**
 * What the broker says about its release. Kafka does not report it over the wire; the protocol
 * versions it speaks bound it (4.0 dropped Fetch v0–v3; 3.7 added ConsumerGroupHeartbeat).
 */
export async function brokerGeneration(bootstrap: string): Promise<string> {
  return withAdmin(bootstrap, 'list API versions', async (admin) => {
    const apis = await admin.listApis();
    const fetch = apis.find((a) => a.apiKey === 1);
    if (fetch && fetch.minVersion >= 4) return '4.0 or later';
    if (apis.some((a) => a.apiKey === 68)) return '3.7–3.9';
    return 'before 3.7';
  });
}
