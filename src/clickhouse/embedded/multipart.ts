/**
 * multipart/form-data bodies, as `@clickhouse/client` sends them when query parameters are too long
 * for a URL (`use_multipart_params`): one text field `query` and one per `param_<name>`.
 * Fields with a filename are ClickHouse's "external data" tables, which chdb cannot take.
 * Pure: no I/O.
 */
import { ClickHouseException } from './exception.js';

export interface FormField {
  readonly name: string;
  readonly filename: string | undefined;
  readonly value: Buffer;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

export function parseMultipart(body: Buffer, boundary: string): FormField[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: FormField[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw malformed('no boundary found');
  for (;;) {
    at += delimiter.length;
    // "--" after a delimiter ends the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return fields;
    if (body.subarray(at, at + 2).equals(CRLF)) at += 2;
    const headersEnd = body.indexOf(HEADER_END, at);
    if (headersEnd < 0) throw malformed('a part has no end of headers');
    const headers = body.subarray(at, headersEnd).toString('utf8');
    const valueStart = headersEnd + HEADER_END.length;
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), valueStart);
    if (next < 0) throw malformed('a part is not terminated');
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers);
    if (!disposition) throw malformed('a part has no Content-Disposition: form-data');
    const name = /;\s*name="([^"]*)"/i.exec(disposition[1] ?? '')?.[1];
    if (name === undefined) throw malformed('a part has no name');
    const filename = /;\s*filename="([^"]*)"/i.exec(disposition[1] ?? '')?.[1];
    fields.push({ name, filename, value: body.subarray(valueStart, next) });
    at = next + CRLF.length;
  }
}

function malformed(why: string): ClickHouseException {
  return new ClickHouseException('BAD_ARGUMENTS', `Cannot parse multipart/form-data body: ${why}`);
}
