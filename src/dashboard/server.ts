/**
 * `startDashboard`: the page and its JSON API on node:http. It starts serving at once, whether
 * or not ClickHouse and Kafka answer yet — the page shows which one is down — and logs only
 * when a service goes down or comes back, not on every poll.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { createClickHouse, type ClickHouseConnectionOptions } from '../clickhouse/client.js';
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';
import { formatHost, parseBrokers } from '../kafka/brokers.js';
import type { Logger } from '../output/log.js';
import type { Ingest, StreamDefinition } from '../pipeline/stream.js';
import { replicasOf, type PipelineScope } from '../health/gather.js';
import { KafkaWatch } from './kafka-watch.js';
import { isLoopback } from '../host/loopback.js';
import { listenOn } from '../host/ports.js';
import { foreignRequest, TokenGate, type Listener } from './auth.js';
import { buildPage, favicon, REFRESH_MS } from './page/index.js';
import type { Served } from './page/scripts.js';
import { readerFor } from './queries.js';
import { apiIndex, errorReply, findRoute, handleApi, json, type ApiContext, type Reply } from './routes.js';
import type { Service } from './wire.js';

export interface DashboardOptions {
  /** Address to listen on. */
  readonly host: string;
  /** 0 picks a free port (see the returned `url`). */
  readonly port: number;
  /** Where the pipeline's tables are; `database` is the pipeline's database. */
  readonly clickhouse: Omit<ClickHouseConnectionOptions, 'requestTimeoutMs'>;
  /** Bootstrap servers, for offsets and consumer lag. */
  readonly kafkaBrokers: string;
  /** Prefix of topics and consumer groups, as given to `kch migrate`. */
  readonly topicPrefix: string;
  /** The pipeline's --ingest (streams may have their own). @default 'engine' */
  readonly ingest?: Ingest;
  /** A ClickHouse cluster's name (`--cluster`): the page and the API show each of its servers. */
  readonly cluster?: string;
  readonly log: Logger;
  /** The configured streams (the pipeline file's, see loadPipelineConfig): the dashboard knows no others. */
  readonly streams: readonly StreamDefinition[];
  /** A query slower than this reports ClickHouse as not answering. @default 8000 */
  readonly clickhouseTimeoutMs?: number;
  /** Kafka slower than this is reported down. @default 4000 */
  readonly kafkaTimeoutMs?: number;
  /** How often the page polls. @default 5000 */
  readonly refreshMs?: number;
  /** When set, every request but /healthz must carry it (see auth.ts). */
  readonly token?: string;
}

export interface Dashboard {
  /** e.g. http://127.0.0.1:3000/ (with the real port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, lets running ones finish (up to 5 s), closes the ClickHouse and Kafka clients. */
  stop(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { log } = options;
  if (!Number.isSafeInteger(options.port) || options.port < 0 || options.port > 65_535) {
    throw new KchError(ErrorCodes.USAGE, `--dashboard-port must be a port between 0 and 65535, got ${options.port}`);
  }
  try {
    new URL(options.clickhouse.url);
  } catch {
    throw new KchError(ErrorCodes.USAGE, `--clickhouse-url must be a URL such as http://127.0.0.1:8123, got "${options.clickhouse.url}"`);
  }
  parseBrokers(options.kafkaBrokers);

  const scope: PipelineScope = {
    database: options.clickhouse.database, topicPrefix: options.topicPrefix, streams: options.streams,
    ...(options.ingest ? { ingest: options.ingest } : {}), ...(options.cluster ? { cluster: options.cluster } : {}),
  };
  const client = createClickHouse({ ...options.clickhouse, requestTimeoutMs: options.clickhouseTimeoutMs ?? 8_000 });
  const states = new Map<Service, boolean>();
  const observe = (service: Service, error: unknown): void => {
    const up = error === undefined || error === null;
    const before = states.get(service);
    states.set(service, up);
    if (before === up) return;
    if (!up) log.warn(`${service} not answering: ${typeof error === 'string' ? error : messageOf(error)}`);
    else if (before === false) log.info(`${service} answering again`);
  };
  const kafka = new KafkaWatch(options.kafkaBrokers, scope, { timeoutMs: options.kafkaTimeoutMs ?? 4_000 });
  const context: ApiContext = {
    db: readerFor(client, options.clickhouse.url),
    kafka,
    scope,
    observe,
    ...(scope.cluster ? { replicas: replicasOf(client, { ...scope, cluster: scope.cluster }, () => kafka.groups()) } : {}),
  };
  const page = buildPage({ database: scope.database, topicPrefix: scope.topicPrefix, streams: scope.streams }, options.refreshMs ?? REFRESH_MS);

  const gate = new TokenGate(options.token);
  if (!gate.enabled && !isLoopback(options.host)) {
    log.warn(`listening on ${options.host} without a token: anyone who reaches this address sees the dashboard and /metrics (asked for by IP address, localhost or ${hostname()}; other names are refused); set DASHBOARD_TOKEN (or DASHBOARD_TOKEN_FILE)`);
  }
  // The token may come in the query string once: never let it reach a log line.
  const shown = (req: IncomingMessage): string => (req.url ?? '/').replace(/([?&]token=)[^&]*/i, '$1…');

  // A client that has not sent its whole header block within 5 s is answered 408 and closed: a
  // real client sends it in one packet within milliseconds, 5 s leaves room for a loaded machine
  // or a slow link, and one connection dripping a header line every few seconds cannot hold a
  // socket open for long. Node compares these timers only every connectionsCheckingInterval
  // (30 s by default, which let such a connection live 30 s): every 1 s here, so it is closed
  // within 6 s. requestTimeout bounds the whole request the same way; the API takes no bodies,
  // so 8 s (9 s with the check) is only ever spent on one being refused.
  const server = createServer({ keepAliveTimeout: 5_000, headersTimeout: 5_000, requestTimeout: 8_000, connectionsCheckingInterval: 1_000 });
  let listener: Listener | undefined;
  server.on('request', (req, res) => {
    const started = performance.now();
    respond(req, res).catch((error: unknown) => {
      // respond() turns every failure into a reply; reaching here means writing itself failed.
      log.error(`${req.method} ${shown(req)}: ${messageOf(error)}`);
      if (!res.headersSent) send(req, res, errorReply(error));
      else res.destroy();
    }).finally(() => {
      log.debug(`${req.method} ${shown(req)} ${res.statusCode} ${(performance.now() - started).toFixed(1)} ms`);
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });

  // Who may ask (auth.ts), before anything else: a browser sent by another site (403), then the
  // token (401), and only then the method, so that without the token a POST learns nothing either.
  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    listener ??= { host: options.host, port: (server.address() as AddressInfo).port, token: gate.enabled, hostname: hostname() };
    const foreign = foreignRequest(req, listener);
    if (foreign !== undefined) {
      send(req, res, json(403, { error: foreign, code: ErrorCodes.USAGE }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const denied = gate.check(req, url);
    if (denied) {
      send(req, res, denied);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const reply = json(405, { error: `${req.method} is not allowed: this API is read-only (GET and HEAD only)`, code: ErrorCodes.USAGE });
      send(req, res, { ...reply, headers: { ...reply.headers, allow: 'GET, HEAD' } });
      return;
    }
    const path = url.pathname;
    if (path === '/' || path === '/index.html') {
      if (url.search) {
        send(req, res, json(400, { error: 'the page takes no parameters', code: ErrorCodes.USAGE }));
        return;
      }
      sendStatic(req, res, page, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': page.contentSecurityPolicy });
      return;
    }
    // The page's script: fixed paths, each a module compiled into the package (page/scripts.ts).
    const script = page.scripts.get(path);
    if (script) {
      if (url.search) {
        send(req, res, json(400, { error: 'the page\'s scripts take no parameters', code: ErrorCodes.USAGE }));
        return;
      }
      sendStatic(req, res, script, { 'content-type': 'text/javascript; charset=utf-8' });
      return;
    }
    if (path === '/favicon.svg' || path === '/favicon.ico') {
      send(req, res, { status: 200, headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }, body: favicon });
      return;
    }
    if (path === '/healthz') {
      send(req, res, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'ok\n' });
      return;
    }
    if (path === '/api' || path === '/api/') {
      send(req, res, json(200, apiIndex));
      return;
    }
    const route = findRoute(path);
    if (!route) {
      send(req, res, json(404, { error: `no such endpoint: ${path.length > 100 ? `${path.slice(0, 100)}…` : path}; see /api for the list`, code: ErrorCodes.USAGE }));
      return;
    }
    send(req, res, await handleApi(route, url.searchParams, context));
  }

  /** A body built at start: revalidated on every load (no-cache), 304 when unchanged, gzipped when the client takes it. */
  function sendStatic(req: IncomingMessage, res: ServerResponse, file: Served, own: Record<string, string>): void {
    const headers: Record<string, string> = { ...own, 'cache-control': 'no-cache', etag: file.etag, vary: 'accept-encoding', ...securityHeaders };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzip : file.body;
    res.writeHead(200, { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  await listenOn(server, options.host, options.port, (error) => listenError(error, options.host, options.port));
  const port = (server.address() as AddressInfo).port;
  listener ??= { host: options.host, port, token: gate.enabled, hostname: hostname() };
  const url = `http://${formatHost(options.host)}:${port}/`;

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), 5_000);
        await closed;
        clearTimeout(timer);
        await Promise.all([client.close(), kafka.close()]);
      })();
      return stopped;
    },
  };
}

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, ...securityHeaders, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): KchError {
  if (error.code === 'EADDRINUSE') {
    return new KchError(ErrorCodes.PORT_IN_USE, `port ${port} on ${host} is already in use (another dashboard?); choose another with --dashboard-port (DASHBOARD_PORT)`, { cause: error });
  }
  if (error.code === 'EACCES') {
    return new KchError(ErrorCodes.PORT_IN_USE, `not allowed to listen on port ${port} on ${host}; choose one above 1023 with --dashboard-port (DASHBOARD_PORT)`, { cause: error });
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return new KchError(ErrorCodes.USAGE, `--host ${host} is not an address of this machine (${error.code})`, { cause: error });
  }
  return new KchError(ErrorCodes.PORT_IN_USE, `cannot listen on ${host}:${port} (${error.code ?? error.message}); choose another with --dashboard-port`, { cause: error });
}
