/**
 * HTTP compression both ways, as ClickHouse does it: request bodies by `Content-Encoding`
 * (what `@clickhouse/client` sends with `compression.request`), responses by `Accept-Encoding`
 * when the request also says `enable_http_compression=1`.
 */
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { ClickHouseException } from './exception.js';

export type ResponseEncoding = 'gzip' | 'deflate' | 'br';

/** zstd arrived in Node 22.15 / 23.8; older runtimes simply do not offer it. */
function zstdDecompressor(): (() => Transform) | undefined {
  const candidate = (zlib as unknown as Record<string, unknown>)['createZstdDecompress'];
  return typeof candidate === 'function' ? (candidate as () => Transform) : undefined;
}

function decompressorFor(encoding: string): Transform | undefined {
  switch (encoding) {
    case '':
    case 'identity':
    case 'none':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd': {
      const create = zstdDecompressor();
      if (create) return create();
      break;
    }
    default:
      break;
  }
  throw new ClickHouseException('NOT_IMPLEMENTED',
    `Content-Encoding '${encoding}' is not supported by the embedded server (supported: gzip, deflate, br${zstdDecompressor() ? ', zstd' : ''})`);
}

/**
 * The whole request body, decompressed. Bodies are held in memory (chdb takes a buffer);
 * past `maxBytes` the rest is read and dropped so the connection stays usable, then refused.
 */
export async function readBody(request: IncomingMessage, encoding: string, maxBytes: number): Promise<Buffer> {
  const decompressor = decompressorFor(encoding);
  const source: NodeJS.ReadableStream = decompressor ? request.pipe(decompressor) : request;
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of source) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > maxBytes) tooLarge = true;
      if (!tooLarge) chunks.push(buffer);
    }
  } catch (error) {
    if (!decompressor) throw error;
    await discard(request);
    throw new ClickHouseException('CANNOT_DECOMPRESS',
      `Cannot decompress the request body (Content-Encoding: ${encoding}): ${error instanceof Error ? error.message : String(error)}`);
  }
  if (tooLarge) {
    throw new ClickHouseException('QUERY_IS_TOO_LARGE',
      `The request body is larger than ${maxBytes} bytes, the most the embedded server holds in memory; send it in several requests`);
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
}

/** Reads and drops what is left of a body, so a keep-alive connection can carry the next request. */
export async function discard(request: IncomingMessage): Promise<void> {
  if (request.readableEnded || request.destroyed) return;
  request.resume();
  await new Promise<void>((resolve) => {
    request.once('end', resolve);
    request.once('close', resolve);
    request.once('error', () => resolve());
  });
}

/** The encoding to answer in: the best (smallest output) of those the client accepts and Node has. */
export function chooseEncoding(acceptEncoding: string | undefined): ResponseEncoding | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Set<string>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (q !== undefined && Number(q) === 0) continue;
    accepted.add(name.trim());
  }
  for (const candidate of ['br', 'gzip', 'deflate'] as const) if (accepted.has(candidate)) return candidate;
  return undefined;
}

export function createCompressor(encoding: ResponseEncoding, level: number | undefined): Transform {
  switch (encoding) {
    case 'gzip':
      return zlib.createGzip(level === undefined ? {} : { level: clampZlib(level) });
    case 'deflate':
      return zlib.createDeflate(level === undefined ? {} : { level: clampZlib(level) });
    case 'br':
      // Brotli's default quality (11) is far too slow for streaming query results.
      return zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level === undefined ? 4 : Math.min(11, Math.max(0, level)) } });
  }
}

function clampZlib(level: number): number {
  return Math.min(9, Math.max(-1, level));
}
