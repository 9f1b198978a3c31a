/**
 * `startEmbeddedClickHouse`: ClickHouse 26 embedded through chdb, served on ClickHouse's HTTP
 * interface so that `@clickhouse/client`, curl and every other HTTP client use it exactly as a
 * clickhouse-server. See handler.ts for what a request does and session.ts for how the engine is
 * shared between requests.
 *
 * Differences from a real server, on purpose or by necessity:
 * - `session_id` is accepted and ignored: every request runs on its own connection, so a SET or a
 *   temporary table does not outlive its request (clients that need sessions must not rely on it).
 * - One user, the configured one, with the grants and the profile of confinement.ts, and the
 *   statements statement.ts refuses: nothing outside the data folder.
 * - Requests a browser makes on another page's behalf are refused (browser-guard.ts).
 * - Bodies are held in memory (chdb takes a buffer), up to `maxBodyBytes`.
 * - ClickHouse's native compression (`compress=1`/`decompress=1`) and external data are refused.
 * - The summary's read_rows/read_bytes are what chdb reports (result rows for SELECTs).
 */
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, KchError, messageOf } from '../../errors/kch-error.js';
import type { Logger } from '../../output/log.js';
import { isLoopback } from '../../host/loopback.js';
import { listenOn } from '../../host/ports.js';
import { parseByteSize } from './byte-size.js';
import { lockDataDir } from './data-dir.js';
import { createRequestHandler } from './handler.js';
import { startKafkaWatch } from './kafka-watch.js';
import { Engine } from './session.js';

export interface EmbeddedClickHouseOptions {
  /** The engine's own folder (persistent: databases, tables and their data live here). */
  readonly dataDir: string;
  readonly host: string;
  /** 0 picks a free port (see the returned `url`). */
  readonly port: number;
  readonly user: string;
  /** Required from every client when not empty. */
  readonly password: string;
  /** max_memory_usage of one query: bytes, or a size such as `1G`. */
  readonly maxMemory: string | number;
  readonly log: Logger;
  /** Queries run at once (default 16); more wait for a turn. */
  readonly maxConcurrentQueries?: number;
  /** The largest request body accepted, after decompression (default 1 GiB). */
  readonly maxBodyBytes?: number;
  /** How long `stop()` lets running requests finish before cutting their connections (default 30 s). */
  readonly stopGraceMs?: number;
}

export interface EmbeddedClickHouse {
  /** Where clients connect, e.g. http://127.0.0.1:8123 (with the real port when 0 was asked). */
  readonly url: string;
  /** The engine's version, e.g. 26.7.2.1. */
  readonly version: string;
  /** The process the engine runs in (this one). */
  readonly pid: number;
  readonly dataDir: string;
  /**
   * Stops accepting requests, lets running ones finish, detaches the Kafka tables so their
   * consumers stop with their offsets committed, closes the engine and releases the data folder.
   */
  stop(): Promise<void>;
}

const DEFAULT_MAX_CONCURRENT = 16;
const DEFAULT_MAX_BODY = 1024 ** 3;

export async function startEmbeddedClickHouse(options: EmbeddedClickHouseOptions): Promise<EmbeddedClickHouse> {
  const { log } = options;
  const maxMemoryBytes = parseByteSize(options.maxMemory, 'maxMemory');
  const lock = await lockDataDir(options.dataDir);
  const releaseAtExit = (): void => lock.release();
  process.once('exit', releaseAtExit);

  // Requests that arrive while the engine opens wait for it rather than being lost.
  let ready!: (handle: Handler) => void;
  let failed!: (error: unknown) => void;
  const handlerReady = new Promise<Handler>((resolve, reject) => { ready = resolve; failed = reject; });
  handlerReady.catch(() => { /* reported by startEmbeddedClickHouse itself */ });
  const inflight = new Set<Promise<void>>();
  let stopping = false;

  const server = createServer({ maxHeaderSize: 1024 * 1024, requestTimeout: 0, keepAliveTimeout: 10_000 });
  server.on('request', (req, res) => {
    const done = handlerReady
      .then((handle) => handle(req, res))
      .catch((error: unknown) => {
        log.error(`request failed unexpectedly: ${messageOf(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8' });
        if (!res.writableEnded) res.end();
      })
      .finally(() => inflight.delete(done));
    inflight.add(done);
  });
  server.on('clientError', (error, socket) => {
    log.debug(`bad HTTP request: ${error.message}`);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const failStart = (error: unknown): never => {
    lock.release();
    process.off('exit', releaseAtExit);
    throw error;
  };

  try {
    await listenOn(server, options.host, options.port, (error) => listenError(error, options.host, options.port));
  } catch (error) {
    failStart(error);
  }
  if (!isLoopback(options.host) && options.password === '') {
    log.warn(`listening on ${options.host}, beyond loopback, without a password: anyone who reaches it can query and change the pipeline; set CLICKHOUSE_PASSWORD`);
  }

  let engine: Engine;
  const startedAt = performance.now();
  try {
    engine = await Engine.open({
      dataDir: lock.dir,
      maxMemoryBytes,
      maxConcurrentQueries: options.maxConcurrentQueries ?? DEFAULT_MAX_CONCURRENT,
    });
  } catch (error) {
    failed(error);
    await closeServer(server);
    return failStart(error);
  }
  log.debug(`engine ${engine.version} opened ${lock.dir} in ${Math.round(performance.now() - startedAt)} ms`);

  ready(createRequestHandler({
    engine,
    user: options.user,
    password: options.password,
    displayName: hostname(),
    spoolDir: join(lock.dir, 'tmp', 'kch-inserts'),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY,
    log,
    stopping: () => stopping,
    listener: { host: options.host, port: (server.address() as AddressInfo).port },
  }));
  // A Kafka table that cannot write (full disk, read-only folder) is otherwise silent.
  const kafkaWatch = startKafkaWatch(engine, log, lock.dir);

  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let stopped: Promise<void> | undefined;

  return {
    url: `http://${host}:${port}`,
    version: engine.version,
    pid: process.pid,
    dataDir: lock.dir,
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        await kafkaWatch.stop();
        const closed = closeServer(server);
        server.closeIdleConnections();
        const grace = options.stopGraceMs ?? 30_000;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          Promise.allSettled([...inflight]).then(() => false),
          new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), grace); }),
        ]);
        clearTimeout(timer);
        if (timedOut) log.warn(`${inflight.size} request(s) still running after ${grace} ms: closing their connections`);
        // Whatever is left is idle keep-alive connections, or requests past their grace period.
        server.closeAllConnections();
        await Promise.allSettled([...inflight]);
        await closed;
        const report = await engine.stop();
        if (report.detached.length > 0) log.info(`detached Kafka table(s) ${report.detached.join(', ')} (attached again on next start)`);
        for (const failure of report.failures) log.warn(`could not detach ${failure.table}: ${failure.error}`);
        lock.release();
        process.off('exit', releaseAtExit);
      })();
      return stopped;
    },
  };
}

type Handler = ReturnType<typeof createRequestHandler>;

function listenError(error: NodeJS.ErrnoException, host: string, port: number): KchError {
  switch (error.code) {
    case 'EADDRINUSE':
      return new KchError(ErrorCodes.PORT_IN_USE,
        `port ${port} on ${host} is already in use; stop what holds it or choose another with --clickhouse-port`, { cause: error });
    case 'EACCES':
      return new KchError(ErrorCodes.PORT_IN_USE,
        `not allowed to listen on port ${port}; choose a port above 1023 with --clickhouse-port`, { cause: error });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new KchError(ErrorCodes.USAGE, `cannot listen on ${host}: no such local address (--host)`, { cause: error });
    default:
      return new KchError(ErrorCodes.CLICKHOUSE_START, `cannot listen on ${host}:${port}: ${error.message}`, { cause: error });
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}
