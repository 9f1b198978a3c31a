/**
 * What a kch connector leaves in PostgreSQL: its replication slot, which keeps every WAL segment
 * from its position on until it is dropped (a deleted connector does not drop it), and the
 * publication it made of its table. `kch cdc remove` drops both.
 */
import { poll } from '../time/poll.js';
import { formatLsn, parseLsn } from '../postgres/lsn.js';
import { quotePg, type SourceClient } from '../postgres/client.js';
import type { SourceDatabase } from '../postgres/url.js';

/** The database a connector's config reaches (its password included, as Connect stores it). */
export function sourceOfConfig(config: Readonly<Record<string, string>>): SourceDatabase {
  const host = config['database.hostname'] ?? 'localhost';
  const port = Number(config['database.port'] ?? '5432');
  const user = config['database.user'] ?? 'postgres';
  const database = config['database.dbname'] ?? 'postgres';
  const sslmode = config['database.sslmode'] === 'require' ? 'require' : 'disable';
  return {
    host, port, user, database, sslmode,
    password: config['database.password'],
    shown: `postgresql://${encodeURIComponent(user)}@${host.includes(':') ? `[${host}]` : host}:${port}/${encodeURIComponent(database)}`,
  };
}

export interface SlotState {
  readonly active: boolean;
  /** Where the connector confirmed it has handed changes on (null before its first). */
  readonly confirmedFlush: bigint | null;
  /** What the connector's replication connection has received, while it is connected (null when the server does not say). */
  readonly received: bigint | null;
}

/** The slot as PostgreSQL sees it; undefined when there is none. */
export async function slotState(client: SourceClient, slot: string): Promise<SlotState | undefined> {
  const [row] = await client.rows<{ active: boolean; confirmed_flush_lsn: string | null; write_lsn: string | null }>(
    `SELECT s.active, s.confirmed_flush_lsn::text AS confirmed_flush_lsn, r.write_lsn::text AS write_lsn
       FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
      WHERE s.slot_name = $1`, [slot], `reading replication slot ${slot}`);
  if (!row) return undefined;
  return {
    active: row.active,
    confirmedFlush: row.confirmed_flush_lsn === null ? null : parseLsn(row.confirmed_flush_lsn),
    received: row.write_lsn === null ? null : parseLsn(row.write_lsn),
  };
}

export function describeSlot(slot: string, state: SlotState | undefined): string {
  if (!state) return `replication slot ${slot} does not exist`;
  const confirmed = state.confirmedFlush === null ? 'nothing confirmed yet' : `confirmed to ${formatLsn(state.confirmedFlush)}`;
  return `replication slot ${slot} ${state.active ? 'active' : 'inactive (no connector reads it)'}, ${confirmed}`;
}

export interface Released {
  readonly slot: 'dropped' | 'absent' | 'still active';
  readonly publication: 'dropped' | 'absent';
}

/**
 * Drops the slot once no connection reads it (a deleted connector's task stops within seconds),
 * then the publication. A slot still read after `timeoutMs` is left alone.
 */
export async function releaseSlot(client: SourceClient, slot: string, publication: string | undefined, timeoutMs: number): Promise<Released> {
  const state = await poll(async () => {
    const s = await slotState(client, slot);
    return s === undefined || !s.active ? s ?? null : undefined;
  }, { timeoutMs, pauseMs: 250, maxPauseMs: 1000 });
  let slotOutcome: Released['slot'] = 'absent';
  if (state === undefined) slotOutcome = 'still active';
  else if (state !== null) {
    await client.rows('SELECT pg_drop_replication_slot($1)', [slot], `dropping replication slot ${slot}`);
    slotOutcome = 'dropped';
  }
  let publicationOutcome: Released['publication'] = 'absent';
  if (publication !== undefined) {
    const [found] = await client.rows<{ n: number }>('SELECT count(*)::int AS n FROM pg_publication WHERE pubname = $1', [publication], `looking for publication ${publication}`);
    if ((found?.n ?? 0) > 0) {
      await client.rows(`DROP PUBLICATION ${quotePg(publication)}`, [], `dropping publication ${publication}`);
      publicationOutcome = 'dropped';
    }
  }
  return { slot: slotOutcome, publication: publicationOutcome };
}
