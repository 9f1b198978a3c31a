/**
 * One HTTP request, end to end: route, authenticate, read the body, work out the statement, run it
 * on a connection of its own with the request's database, settings and parameters, and answer as
 * clickhouse-server would. The mechanics live in the neighbouring files; this one orders them.
 */
import { randomUUID, createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Session } from 'chdb';
import type { Logger } from '../../output/log.js';
import { chooseEncoding, discard, readBody } from './compression.js';
import { browserRefusal, type Listener } from './browser-guard.js';
import { ClickHouseException, toFailure, withVersion } from './exception.js';
import { contentTypeOf, DEFAULT_FORMAT, rawInsertFormat } from './formats.js';
import { httpStatusForCode } from './http-status.js';
import { parseMultipart } from './multipart.js';
import { header, parseQueryRequest, type QueryRequest } from './request.js';
import { emptySummary, sendComplete, StreamingAnswer, summaryHeader, type Compression, type Summary } from './response.js';
import { quoteIdentifier } from '../../pipeline/quote.js';
import type { Engine } from './session.js';
import { POLICY } from './confinement.js';
import { escapesDataFolder, splitStatement, type StatementInfo } from './statement.js';
import { literal } from '../../pipeline/quote.js';

export interface HandlerContext {
  readonly engine: Engine;
  readonly user: string;
  readonly password: string;
  readonly displayName: string;
  /** Where bodies in formats chdb's raw insert does not take are spooled for `FROM INFILE`. */
  readonly spoolDir: string;
  readonly maxBodyBytes: number;
  readonly log: Logger;
  readonly stopping: () => boolean;
  /** Where the server listens: a browser's request must name it (browser-guard.ts). */
  readonly listener: Listener;
}

/** ClickHouse holds back at least this much of a result before it starts sending (DBMS_DEFAULT_BUFFER_SIZE). */
const MIN_RESPONSE_BUFFER = 1024 * 1024;

const OK = 'Ok.\n';

export function createRequestHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const expectedPassword = digest(ctx.password);
  return async (req, res) => {
    const started = process.hrtime.bigint();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('X-ClickHouse-Server-Display-Name', ctx.displayName);
    if (ctx.stopping()) res.setHeader('Connection', 'close');

    const refusal = browserRefusal(req.headers, ctx.listener);
    if (refusal !== undefined) {
      await discard(req);
      const failure = toFailure(new ClickHouseException('ACCESS_DENIED', refusal));
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(failure.code) })
        .end(`${withVersion(failure.text, ctx.engine.version)}\n`);
      ctx.log.warn(`refused a ${method} request from a web page: ${refusal}`);
      return;
    }

    const isRead = method === 'GET' || method === 'HEAD';
    if (method === 'OPTIONS') {
      await discard(req);
      res.writeHead(204).end();
      return;
    }
    if (isRead && (url.pathname === '/ping' || url.pathname === '/replicas_status' || (url.pathname === '/' && url.search === ''))) {
      await discard(req);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': OK.length }).end(OK);
      return;
    }
    if (!isRead && method !== 'POST') {
      await discard(req);
      res.writeHead(405, { Allow: 'GET, HEAD, POST, OPTIONS', 'Content-Type': 'text/plain; charset=UTF-8' }).end(`Method ${method} is not allowed\n`);
      return;
    }

    let queryId = header(req.headers, 'x-clickhouse-query-id') ?? randomUUID();
    let bodyRead = false;
    try {
      if (ctx.stopping()) throw new ClickHouseException('ABORTED', 'Server is shutting down');
      const request = parseQueryRequest(method, url, req.headers);
      queryId = request.queryId ?? randomUUID();
      res.setHeader('X-ClickHouse-Query-Id', queryId);
      authenticate(request, ctx.user, expectedPassword);

      let body = await readBody(req, request.contentEncoding, ctx.maxBodyBytes);
      bodyRead = true;
      let query = request.query;
      let params = request.params;
      if (request.multipartBoundary !== undefined) {
        ({ query, params } = formFields(body, request.multipartBoundary, query, params));
        body = Buffer.alloc(0);
      }

      const statement = splitStatement(query, body);
      refuseLikeClickHouse(statement.info, statement.sql);

      const lease = await ctx.engine.lease(request.readonly ? 'readonly' : 'readwrite');
      try {
        const prelude = preludeFor(request, params);
        if (prelude.length > 0 || statement.info.changesSession) lease.taint();
        for (const sql of prelude) await lease.session.queryAsync(sql);
        const run: Run = { ctx, request, res, started, session: lease.session, queryId };
        if (statement.info.kind === 'insert' && statement.data !== undefined) {
          await runInsertWithData(run, statement.info, statement.sql, statement.data);
        } else if (statement.info.kind === 'select') {
          await runSelect(run, statement.info, statement.sql);
        } else {
          await runOther(run, statement.info, statement.sql);
        }
      } finally {
        lease.release();
      }
    } catch (error) {
      if (!bodyRead) await discard(req);
      const failure = toFailure(error);
      const text = withVersion(failure.text, ctx.engine.version);
      if (res.destroyed || res.headersSent) {
        // The client went away, or an answer was under way: nothing more can be said.
        if (!res.writableEnded) res.end();
        ctx.log.debug(`${method} query ${queryId} ended early: ${firstLine(text)}`);
        return;
      }
      res.setHeader('X-ClickHouse-Query-Id', queryId);
      res.setHeader('X-ClickHouse-Exception-Code', String(failure.code));
      res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
      res.writeHead(httpStatusForCode(failure.code)).end(`${text}\n`);
      ctx.log.warn(`${method} query ${queryId} failed (HTTP ${res.statusCode}): ${firstLine(text)}`);
    }
  };
}

interface Run {
  readonly ctx: HandlerContext;
  readonly request: QueryRequest;
  readonly res: ServerResponse;
  readonly started: bigint;
  readonly session: Session;
  readonly queryId: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** One configured user; a wrong name or password gets ClickHouse's deliberately vague answer. */
function authenticate(request: QueryRequest, user: string, expectedPassword: Buffer): void {
  const { credentials } = request;
  const passwordOk = timingSafeEqual(digest(credentials.password), expectedPassword);
  if (credentials.user !== user || !passwordOk) {
    throw new ClickHouseException('AUTHENTICATION_FAILED',
      `${credentials.user}: Authentication failed: password is incorrect, or there is no user with such name`);
  }
}

/** multipart/form-data: the query and `param_*` come as fields; files would be external tables. */
function formFields(body: Buffer, boundary: string, query: string, params: QueryRequest['params']): { query: string; params: QueryRequest['params'] } {
  const merged = new Map(params);
  let formQuery: string | undefined;
  for (const field of parseMultipart(body, boundary)) {
    if (field.filename !== undefined) {
      throw new ClickHouseException('NOT_IMPLEMENTED', `External data (file field '${field.name}') is not supported by the embedded server`);
    }
    if (field.name === 'query') formQuery = (formQuery ?? '') + field.value.toString('utf8');
    else if (field.name.startsWith('param_') && !merged.has(field.name.slice(6))) merged.set(field.name.slice(6), field.value.toString('utf8'));
  }
  return { query: formQuery ?? query, params: [...merged] };
}

/** What ClickHouse's HTTP interface refuses, refused the same way (chdb itself would allow it). */
function refuseLikeClickHouse(info: StatementInfo, sql: string): void {
  if (info.kind === 'empty') throw new ClickHouseException('SYNTAX_ERROR', 'Empty query');
  if (info.multiStatement) throw new ClickHouseException('SYNTAX_ERROR', 'Syntax error (Multi-statements are not allowed)');
  if (info.intoOutfile) throw new ClickHouseException('INTO_OUTFILE_NOT_ALLOWED', 'INTO OUTFILE is not allowed');
  if (info.fromInfile) throw new ClickHouseException('UNKNOWN_TYPE_OF_QUERY', 'Query has infile and was send directly to server');
  const escape = escapesDataFolder(sql, info, POLICY);
  if (escape) {
    throw new ClickHouseException('ACCESS_DENIED',
      `${escape.what} is not allowed on the embedded server, which keeps to its data folder: ${escape.why} (see README, Security)`);
  }
  if (info.semicolonBeforeData) {
    throw new ClickHouseException('SYNTAX_ERROR',
      'You have excessive \';\' symbol before data for INSERT. Note that there is no \';\' just after format name, you need to put at least one whitespace symbol before the data');
  }
}

const settingName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Statements that give the request's connection its database, settings and query parameters.
 * `SET param_x = '…'` takes the value in ClickHouse's escaped text form, exactly what HTTP
 * `param_x=` carries, so values are passed through untouched.
 */
function preludeFor(request: QueryRequest, params: QueryRequest['params']): string[] {
  const statements: string[] = [];
  if (request.database !== undefined) statements.push(`USE ${quoteIdentifier(request.database)}`);
  const assignments: string[] = [];
  for (const [name, value] of request.settings) {
    if (!settingName.test(name)) throw new ClickHouseException('BAD_ARGUMENTS', `Invalid setting name '${name}'`);
    assignments.push(`${name} = ${literal(value)}`);
  }
  for (const [name, value] of params) {
    if (!settingName.test(name)) throw new ClickHouseException('BAD_ARGUMENTS', `Invalid query parameter name '${name}'`);
    assignments.push(`param_${name} = ${literal(value)}`);
  }
  if (assignments.length > 0) statements.push(`SET ${assignments.join(', ')}`);
  return statements;
}

function compressionFor(run: Run): Compression | undefined {
  if (!run.request.compressResponse) return undefined;
  const encoding = chooseEncoding(header(run.res.req.headers, 'accept-encoding'));
  return encoding ? { encoding, level: run.request.compressionLevel } : undefined;
}

function baseHeaders(run: Run, format: string | undefined, summary: Summary): Record<string, string> {
  const timezone = run.request.settings.find(([name]) => name === 'session_timezone')?.[1] || run.ctx.engine.timezone;
  const headers: Record<string, string> = {
    'X-ClickHouse-Query-Id': run.queryId,
    'X-ClickHouse-Timezone': timezone,
    'X-ClickHouse-Summary': summaryHeader({ ...summary, elapsedNs: process.hrtime.bigint() - run.started }),
    'Content-Type': format === undefined ? 'text/plain; charset=UTF-8' : contentTypeOf(format),
  };
  if (format !== undefined) headers['X-ClickHouse-Format'] = format;
  return headers;
}

/**
 * A SELECT is streamed from chdb. The first megabyte (or all of it, with wait_end_of_query=1) is
 * held back: an error before that point still gets its HTTP status, and small results go out with
 * a Content-Length. Past it, chunks are written as they come, at the client's pace; a failure from
 * then on can only be appended to the body, as ClickHouse does.
 */
async function runSelect(run: Run, info: StatementInfo, sql: string): Promise<void> {
  const format = info.format ?? run.request.defaultFormat ?? DEFAULT_FORMAT;
  const abort = new AbortController();
  const onClose = (): void => abort.abort();
  run.res.once('close', onClose);
  const stream = run.session.queryStream(sql, { format: run.request.defaultFormat ?? DEFAULT_FORMAT, signal: abort.signal });
  const chunks = stream[Symbol.asyncIterator]();
  const limit = run.request.waitEndOfQuery ? Number.POSITIVE_INFINITY : Math.max(run.request.bufferSize ?? 0, MIN_RESPONSE_BUFFER);
  const held: Buffer[] = [];
  const summary = emptySummary();
  try {
    while (summary.resultBytes < limit) {
      const next = await chunks.next();
      if (next.done) {
        await sendComplete(run.res, baseHeaders(run, format, summary), Buffer.concat(held, summary.resultBytes), compressionFor(run));
        return;
      }
      const raw = next.value.raw();
      held.push(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
      summary.resultRows += next.value.numRows;
      summary.resultBytes += raw.byteLength;
    }
    const answer = new StreamingAnswer(run.res, baseHeaders(run, format, summary), compressionFor(run));
    try {
      for (const chunk of held.splice(0)) await answer.write(chunk);
      while (!answer.gone) {
        const next = await chunks.next();
        if (next.done) break;
        const raw = next.value.raw();
        await answer.write(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
      }
      answer.end();
    } catch (error) {
      if (answer.gone) return;
      const text = withVersion(toFailure(error).text, run.ctx.engine.version);
      await answer.fail(text);
      run.ctx.log.warn(`query ${run.queryId} failed after its result started streaming: ${firstLine(text)}`);
    }
  } finally {
    run.res.off('close', onClose);
    stream.cancel();
  }
}

/** INSERT … FORMAT with rows: chdb's raw insert when it takes the format, else a spool file and FROM INFILE. */
async function runInsertWithData(run: Run, info: StatementInfo, sql: string, data: Buffer): Promise<void> {
  const summary = emptySummary();
  const format = info.format ?? '';
  const raw = rawInsertFormat(format);
  if (data.length === 0) {
    // ClickHouse accepts an INSERT with no rows over HTTP; chdb would say NO_DATA_TO_INSERT.
  } else if (raw !== undefined && info.target !== undefined) {
    const result = await run.session.insert({ table: info.target.table, ...(info.target.columns ? { columns: info.target.columns } : {}), values: data, format: raw });
    summary.writtenRows = result.rowsWritten;
    summary.writtenBytes = result.bytesWritten;
  } else {
    // Binary formats (Parquet, RowBinary, Native…) and INSERTs with a SETTINGS clause or quoted
    // names: chdb takes SQL text only, so the rows go through a file the engine reads itself.
    await mkdir(run.ctx.spoolDir, { recursive: true });
    const file = join(run.ctx.spoolDir, `insert-${randomUUID()}.data`);
    try {
      await writeFile(file, data);
      const at = info.infileAt ?? sql.length;
      const head = Buffer.from(sql, 'utf8');
      const statement = `${head.subarray(0, at).toString('utf8')} FROM INFILE ${literal(file)} ${head.subarray(at).toString('utf8')}`;
      const result = await run.session.queryAsync(statement);
      summary.writtenRows = result.rowsRead;
      summary.writtenBytes = result.bytesRead;
    } finally {
      await rm(file, { force: true });
    }
  }
  summary.readRows = summary.writtenRows;
  summary.readBytes = summary.writtenBytes;
  await sendComplete(run.res, baseHeaders(run, undefined, summary), Buffer.alloc(0), undefined);
}

/** DDL, SET, SHOW, INSERT … SELECT/VALUES: one call, whole answer. */
async function runOther(run: Run, info: StatementInfo, sql: string): Promise<void> {
  const result = await run.session.queryAsync(sql, { format: run.request.defaultFormat ?? DEFAULT_FORMAT });
  const bytes = result.bytes();
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const summary: Summary = { ...emptySummary(), readRows: result.rowsRead, readBytes: result.bytesRead };
  if (body.length > 0) {
    summary.resultRows = result.rowsRead;
    summary.resultBytes = body.length;
  }
  const format = body.length > 0 ? info.format ?? run.request.defaultFormat ?? DEFAULT_FORMAT : undefined;
  await sendComplete(run.res, baseHeaders(run, format, summary), body, body.length > 0 ? compressionFor(run) : undefined);
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? text;
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}
