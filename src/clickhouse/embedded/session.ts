/**
 * The embedded engine: chdb's ClickHouse on one data folder, and the connections queries run on.
 *
 * chdb binds one data folder per process but lets several connections share it, each with its own
 * settings, current database and query parameters (checked on chdb 3.4: a SET or USE on one is
 * invisible to the others, and queries on different connections run in parallel while queries on
 * one connection run one after another). So instead of one session guarded by a readers–writer
 * lock, every request gets a connection of its own for its whole life: it may SET and USE freely,
 * and a connection it changed is closed afterwards instead of being reset (opening one costs
 * ~0.2 ms; resetting would have to know every setting a query can change). Unchanged connections
 * are kept for the next request.
 *
 * One "anchor" connection stays open from start to stop: the engine lives as long as any
 * connection does, and with it the Kafka engine's consumers, which run on ClickHouse's threads.
 */
import { Session, drainPending } from 'chdb';
import { ErrorCodes, KchError, messageOf } from '../../errors/kch-error.js';
import { embeddedKafkaConfig } from '../../kafka/security.js';
import { writeConfinement } from './confinement.js';
import { ClickHouseException } from './exception.js';
import { quoteIdentifier } from '../../pipeline/quote.js';

export type AccessMode = 'readwrite' | 'readonly';

export interface EngineOptions {
  readonly dataDir: string;
  /** max_memory_usage of every query, in bytes (0: no limit). */
  readonly maxMemoryBytes: number;
  /** Queries running at once; more wait for a turn (chdb runs each on a libuv thread). */
  readonly maxConcurrentQueries: number;
}

/** A request's own connection, held until the request is answered. */
export interface Lease {
  readonly session: Session;
  /** The request changed the connection's state: close it instead of handing it to the next request. */
  taint(): void;
  release(): void;
}

export interface StopReport {
  /** Tables with engine Kafka that were detached (they come back attached on the next start). */
  readonly detached: readonly string[];
  readonly failures: ReadonlyArray<{ readonly table: string; readonly error: string }>;
}

const MAX_IDLE = 8;

export class Engine {
  private readonly idle: Record<AccessMode, Session[]> = { readwrite: [], readonly: [] };
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private stopped = false;

  private constructor(
    private readonly options: EngineOptions & { readonly confinement: readonly string[] },
    private readonly anchor: Session,
    readonly version: string,
    readonly timezone: string,
  ) {}

  /** Opens the data folder (creating its layout on first use) and reads the engine's version. */
  static async open(engineOptions: EngineOptions): Promise<Engine> {
    let anchor: Session;
    let options: EngineOptions & { readonly confinement: readonly string[] };
    try {
      options = { ...engineOptions, confinement: await writeConfinement(engineOptions.dataDir) };
      anchor = new Session(options.dataDir, { connectionArgs: connectionArgs(options, 'readwrite') });
    } catch (error) {
      throw new KchError(ErrorCodes.CLICKHOUSE_START, `chdb could not open ${engineOptions.dataDir}: ${firstLine(messageOf(error))}`, { cause: error });
    }
    try {
      const result = await anchor.queryAsync('SELECT version(), timezone()', { format: 'TabSeparated' });
      const [version = 'unknown', timezone = 'UTC'] = result.text().trim().split('\t');
      return new Engine(options, anchor, version, timezone);
    } catch (error) {
      anchor.close();
      await drainPending();
      throw new KchError(ErrorCodes.CLICKHOUSE_START, `the embedded ClickHouse did not answer: ${firstLine(messageOf(error))}`, { cause: error });
    }
  }

  /** Waits for a turn, then hands out a connection; `release()` it when the request is answered. */
  async lease(mode: AccessMode): Promise<Lease> {
    if (!this.stopped && this.running >= this.options.maxConcurrentQueries) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    if (this.stopped) throw new ClickHouseException('ABORTED', 'Server is shutting down');
    this.running++;
    let session: Session;
    try {
      session = this.idle[mode].pop() ?? new Session(this.options.dataDir, { connectionArgs: connectionArgs(this.options, mode) });
    } catch (error) {
      this.finishTurn();
      throw error;
    }
    let tainted = false;
    let released = false;
    return {
      session,
      taint: () => { tainted = true; },
      release: () => {
        if (released) return;
        released = true;
        if (tainted || this.stopped || this.idle[mode].length >= MAX_IDLE) session.close();
        else this.idle[mode].push(session);
        this.finishTurn();
      },
    };
  }

  private finishTurn(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  /**
   * Detaches every Kafka table, which stops its consumers and lets them commit what the
   * materialized views have written, then closes the engine. DETACH without PERMANENTLY: the
   * table's metadata stays, so the next start attaches it again and consumption resumes from the
   * committed offsets. Detaching takes ~0.6 s per table (librdkafka closing), so they go in parallel.
   */
  async stop(): Promise<StopReport> {
    if (this.stopped) return { detached: [], failures: [] };
    this.stopped = true;
    const detached: string[] = [];
    const failures: Array<{ table: string; error: string }> = [];
    let tables: Array<{ database: string; name: string }> = [];
    try {
      const result = await this.anchor.queryAsync("SELECT database, name FROM system.tables WHERE engine = 'Kafka'", { format: 'JSONEachRow' });
      tables = result.text().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { database: string; name: string });
    } catch (error) {
      failures.push({ table: '*', error: firstLine(messageOf(error)) });
    }
    await Promise.all(tables.map(async ({ database, name }) => {
      const table = `${database}.${name}`;
      const session = new Session(this.options.dataDir, { connectionArgs: connectionArgs(this.options, 'readwrite') });
      try {
        await session.queryAsync(`DETACH TABLE ${quoteIdentifier(database)}.${quoteIdentifier(name)}`);
        detached.push(table);
      } catch (error) {
        failures.push({ table, error: firstLine(messageOf(error)) });
      } finally {
        session.close();
      }
    }));
    for (const mode of ['readwrite', 'readonly'] as const) {
      for (const session of this.idle[mode].splice(0)) session.close();
    }
    this.anchor.close();
    // close() defers tearing down a connection that still has work on a libuv thread; wait for it.
    await drainPending();
    for (const wake of this.waiting.splice(0)) wake();
    return { detached, failures };
  }
}

/**
 * librdkafka's session timeout for the Kafka engine's consumers (ClickHouse config `kafka.session_timeout_ms`).
 * ClickHouse 26 does not send LeaveGroup when a Kafka table shuts down (ClickHouse issue #104305),
 * so after a restart the new consumer gets no partitions until the old member's session expires:
 * 45 s with librdkafka's default, measured ~46 s here; with 10 s, ~10 s. The broker's minimum is 6 s.
 */
const KAFKA_SESSION_TIMEOUT_MS = 10_000;

/**
 * Threads that run the Kafka tables' consumers (server setting `background_message_broker_schedule_pool_size`).
 * chdb sizes the pool by cores, 2 here; a busy consumer keeps its thread for up to 60 s before it
 * yields, so with more busy consumers than threads (a third stream, or `kafka_thread_per_consumer`)
 * the others stood still: measured, a second stream got no row until the first had drained its
 * backlog. 16 is a standalone server's default; threads are only made when a consumer needs one.
 */
export const STREAMING_THREADS = 16;

function connectionArgs(options: EngineOptions & { readonly confinement: readonly string[] }, mode: AccessMode): string[] {
  const args = [
    ...options.confinement,
    `--max_memory_usage=${options.maxMemoryBytes}`,
    `--kafka.session_timeout_ms=${KAFKA_SESSION_TIMEOUT_MS}`,
    `--background_message_broker_schedule_pool_size=${STREAMING_THREADS}`,
  ];
  // The SASL password and CA of an external Kafka are server configuration, not table settings:
  // they stay out of every table definition (and, passed in-process, out of every command line).
  for (const [key, value] of Object.entries(embeddedKafkaConfig())) args.push(`--${key}=${value}`);
  // GET requests are read-only in ClickHouse (readonly=2: settings may still change).
  if (mode === 'readonly') args.push('--readonly=2');
  return args;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
