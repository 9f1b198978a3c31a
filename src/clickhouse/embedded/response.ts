/**
 * Writing answers the way clickhouse-server does: a whole body when the result fits the response
 * buffer (so errors still get their HTTP status), otherwise a stream that, if the query fails
 * half-way, ends with ClickHouse's exception block (the `X-ClickHouse-Exception-Tag` protocol that
 * `@clickhouse/client` reads); `X-ClickHouse-Summary` and friends; optional compression.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { pipeline, type Writable } from 'node:stream';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { createCompressor, type ResponseEncoding } from './compression.js';

export interface Summary {
  readRows: number;
  readBytes: number;
  writtenRows: number;
  writtenBytes: number;
  resultRows: number;
  resultBytes: number;
  elapsedNs: bigint;
}

export function emptySummary(): Summary {
  return { readRows: 0, readBytes: 0, writtenRows: 0, writtenBytes: 0, resultRows: 0, resultBytes: 0, elapsedNs: 0n };
}

/** The header's JSON: every number as a string, as ClickHouse sends it. */
export function summaryHeader(summary: Summary): string {
  return JSON.stringify({
    read_rows: String(summary.readRows),
    read_bytes: String(summary.readBytes),
    written_rows: String(summary.writtenRows),
    written_bytes: String(summary.writtenBytes),
    total_rows_to_read: '0',
    result_rows: String(summary.resultRows),
    result_bytes: String(summary.resultBytes),
    elapsed_ns: String(summary.elapsedNs),
  });
}

export interface Compression {
  readonly encoding: ResponseEncoding;
  readonly level: number | undefined;
}

const compressors: Record<ResponseEncoding, (body: Buffer, level: number | undefined) => Promise<Buffer>> = {
  gzip: (body, level) => promisify(zlib.gzip)(body, level === undefined ? {} : { level }),
  deflate: (body, level) => promisify(zlib.deflate)(body, level === undefined ? {} : { level }),
  br: (body) => promisify(zlib.brotliCompress)(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
};

/** Sends a complete 200 answer. */
export async function sendComplete(res: ServerResponse, headers: Record<string, string>, body: Buffer, compression: Compression | undefined): Promise<void> {
  let payload = body;
  if (compression && body.length > 0) {
    payload = await compressors[compression.encoding](body, compression.level);
    res.setHeader('Content-Encoding', compression.encoding);
  }
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', payload.length);
  res.writeHead(200);
  res.end(payload);
}

/** An answer whose body follows in pieces, with backpressure and a way to report a late failure. */
export class StreamingAnswer {
  private readonly out: Writable;
  private readonly tag = randomBytes(8).toString('hex');
  private closed = false;

  constructor(private readonly res: ServerResponse, headers: Record<string, string>, compression: Compression | undefined) {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.setHeader('X-ClickHouse-Exception-Tag', this.tag);
    if (compression) {
      res.setHeader('Content-Encoding', compression.encoding);
      const compressor = createCompressor(compression.encoding, compression.level);
      pipeline(compressor, res, () => { this.closed = true; });
      this.out = compressor;
    } else {
      this.out = res;
    }
    res.once('close', () => { this.closed = true; });
    res.writeHead(200);
  }

  /** Whether the client went away. */
  get gone(): boolean {
    return this.closed || this.res.destroyed;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.gone || this.out.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.res.off('close', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.res.on('close', done);
    });
  }

  /**
   * The status is already 200, so the error goes into the body, framed so that clients can tell
   * it from data: `\r\n__exception__\r\n<tag>\r\n<message>\n<length> <tag>\r\n__exception__\r\n`.
   */
  async fail(message: string): Promise<void> {
    const text = `${message}\n`;
    await this.write(Buffer.from(`\r\n__exception__\r\n${this.tag}\r\n${text}${Buffer.byteLength(text)} ${this.tag}\r\n__exception__\r\n`));
    this.end();
  }

  end(): void {
    if (!this.out.writableEnded) this.out.end();
  }
}
