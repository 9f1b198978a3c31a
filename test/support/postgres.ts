/**
 * A throw-away PostgreSQL 15 (Debian's, through its pg_createcluster wrappers) on a free port,
 * with logical decoding on (`wal_level = logical`) so that Debezium can read its changes. The
 * server runs as the `postgres` user (it refuses root); TCP clients sign in as `postgres` with a
 * random password. The cluster is stopped and dropped with the test (registered with `t.after`).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { pollUntil } from './wait.js';

const run = promisify(execFile);

/** Debian's PostgreSQL 15; CI installs it (.ci/run). */
export const POSTGRES_VERSION = '15';
const POSTGRES_BIN = `/usr/lib/postgresql/${POSTGRES_VERSION}/bin`;

/** Whether this machine can run one: Debian's server and wrappers, and root to act as `postgres`. */
export function postgresAvailable(): boolean {
  return existsSync(`${POSTGRES_BIN}/postgres`) && existsSync('/usr/bin/pg_createcluster') && process.getuid?.() === 0;
}

export interface Postgres {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Runs SQL as the superuser over the local socket; resolves to psql's unaligned output. */
  sql(statement: string): Promise<string>;
}

interface TestContextLike {
  after(fn: () => Promise<void> | void): void;
}

export async function startPostgres(t: TestContextLike): Promise<Postgres> {
  const cluster = `kch_${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  // Registered before the cluster exists: a half-made one is dropped too (--stop: running or not).
  t.after(async () => {
    await run('pg_dropcluster', [POSTGRES_VERSION, cluster, '--stop']).catch(() => undefined);
  });
  await run('pg_createcluster', [
    POSTGRES_VERSION, cluster, '--port', String(port), '--start-conf', 'manual',
    '--pgoption', 'wal_level=logical', '--pgoption', 'max_wal_senders=4', '--pgoption', 'max_replication_slots=4',
    // Durability is of no use to a throw-away server. listen_addresses stays Debian's `localhost`:
    // loopback only.
    '--pgoption', 'fsync=off',
  ]);
  await run('pg_ctlcluster', [POSTGRES_VERSION, cluster, 'start']);
  await pollUntil(`PostgreSQL ${cluster} to take connections on 127.0.0.1:${port}`, async () => {
    await run(`${POSTGRES_BIN}/pg_isready`, ['-q', '-h', '127.0.0.1', '-p', String(port)]);
    return true;
  }, 30_000, 100);
  const sql = async (statement: string): Promise<string> => {
    // A whole table as one JSON value runs to megabytes: more than execFile's 1 MB by default.
    const { stdout } = await run('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-p', String(port), '-d', 'postgres', '-c', statement], { maxBuffer: 256 * 1024 * 1024 });
    return stdout.trim();
  };
  await sql(`ALTER USER postgres PASSWORD '${password}'`);
  return { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', sql };
}
