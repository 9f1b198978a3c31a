/**
 * Just enough of ClickHouse's lexer to learn what a statement is before running it: its kind (a
 * SELECT can be streamed, an INSERT may carry data), its FORMAT clause, where an INSERT's inline
 * data starts, the things ClickHouse's HTTP interface refuses (several statements, INTO OUTFILE,
 * FROM INFILE), and what would reach outside the embedded server's data folder where the engine
 * cannot stop it (`escapesDataFolder`). It works on bytes (UTF-8) so that the offset of an
 * INSERT's data can slice a large body without decoding it; keywords are ASCII, everything else is
 * skipped whole. Pure: no I/O.
 */

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0c, 0x0b]);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isWordStart = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c >= 0x80;
const isWordPart = (c: number): boolean => isWordStart(c) || isDigit(c) || c === 0x24;

class Lexer {
  private pos = 0;
  private peeked: Token | undefined;

  constructor(private readonly bytes: Uint8Array) {}

  peek(): Token {
    this.peeked ??= this.read();
    return this.peeked;
  }

  next(): Token {
    const token = this.peek();
    this.peeked = undefined;
    return token;
  }

  private at(i: number): number {
    return this.bytes[i] ?? -1;
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const c = this.at(this.pos);
      if (SPACE.has(c)) {
        this.pos++;
      } else if ((c === 0x2d && this.at(this.pos + 1) === 0x2d) // --
        || (c === 0x23 && (this.at(this.pos + 1) === 0x20 || this.at(this.pos + 1) === 0x21))) { // '# ' or '#!'
        while (this.pos < this.bytes.length && this.at(this.pos) !== 0x0a) this.pos++;
      } else if (c === 0x2f && this.at(this.pos + 1) === 0x2a) { // /* … */, nestable as in ClickHouse
        let depth = 0;
        while (this.pos < this.bytes.length) {
          if (this.at(this.pos) === 0x2f && this.at(this.pos + 1) === 0x2a) { depth++; this.pos += 2; continue; }
          if (this.at(this.pos) === 0x2a && this.at(this.pos + 1) === 0x2f) { depth--; this.pos += 2; if (depth === 0) break; continue; }
          this.pos++;
        }
      } else {
        return;
      }
    }
  }

  private read(): Token {
    this.skipSpaceAndComments();
    const start = this.pos;
    const c = this.at(start);
    if (c < 0) return { kind: 'end', start, end: start };
    if (isWordStart(c)) {
      while (isWordPart(this.at(this.pos))) this.pos++;
      return { kind: 'word', start, end: this.pos };
    }
    if (isDigit(c)) {
      while (isWordPart(this.at(this.pos)) || this.at(this.pos) === 0x2e) this.pos++;
      return { kind: 'number', start, end: this.pos };
    }
    if (c === 0x27) return this.quoted(0x27, 'string');
    if (c === 0x60 || c === 0x22) return this.quoted(c, 'quoted');
    if (c === 0x24) {
      const heredoc = this.heredoc();
      if (heredoc) return heredoc;
    }
    this.pos++;
    return { kind: 'punct', start, end: this.pos };
  }

  /** '…', `…` or "…": backslash escapes and doubled quotes, as ClickHouse reads them. */
  private quoted(quote: number, kind: TokenKind): Token {
    const start = this.pos++;
    while (this.pos < this.bytes.length) {
      const c = this.at(this.pos);
      if (c === 0x5c) { this.pos += 2; continue; }
      if (c === quote) {
        if (this.at(this.pos + 1) === quote) { this.pos += 2; continue; }
        this.pos++;
        break;
      }
      this.pos++;
    }
    this.pos = Math.min(this.pos, this.bytes.length);
    return { kind, start, end: this.pos };
  }

  /** $tag$ … $tag$ string literals. */
  private heredoc(): Token | undefined {
    const start = this.pos;
    let i = start + 1;
    while (isWordPart(this.at(i)) && this.at(i) !== 0x24) i++;
    if (this.at(i) !== 0x24) return undefined;
    const tag = this.bytes.subarray(start, i + 1);
    const close = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).indexOf(tag, i + 1);
    if (close < 0) return undefined;
    this.pos = close + tag.length;
    return { kind: 'string', start, end: this.pos };
  }
}

export type StatementKind = 'select' | 'insert' | 'other' | 'empty';

export interface InsertTarget {
  /** `table` or `database.table`, plain names only. */
  readonly table: string;
  readonly columns: readonly string[] | undefined;
}

export interface StatementInfo {
  /** 'select' can be streamed; 'insert' may carry data; 'other' is DDL, SET, SHOW and the like. */
  readonly kind: StatementKind;
  /** The first keyword, upper-cased ('' when the statement starts with a parenthesis or is empty). */
  readonly keyword: string;
  /** The FORMAT clause's format name: the output format, or an INSERT's input format. */
  readonly format: string | undefined;
  /** INSERT … FORMAT x: the byte offset where inline data starts (after blanks and one newline). */
  readonly dataStart: number | undefined;
  /** INSERT … FORMAT x: the byte offset just after the format name. */
  readonly formatEnd: number | undefined;
  /** INSERT … FORMAT x: where `FROM INFILE …` could be spliced in (the SETTINGS or FORMAT keyword). */
  readonly infileAt: number | undefined;
  /** INSERT INTO [db.]t [(a, b)] FORMAT x with plain names and no SETTINGS clause. */
  readonly target: InsertTarget | undefined;
  /** INSERT … VALUES: the data is SQL-like text following the keyword. */
  readonly values: boolean;
  /** A second statement after ';' (ClickHouse's HTTP interface refuses this). */
  readonly multiStatement: boolean;
  readonly intoOutfile: boolean;
  readonly fromInfile: boolean;
  /** ';' right after an INSERT's format name, which ClickHouse rejects with a hint. */
  readonly semicolonBeforeData: boolean;
  /** SET, USE and temporary tables change the connection beyond this one statement. */
  readonly changesSession: boolean;
  /** The input ended before an INSERT said where its rows come from. */
  readonly incomplete: boolean;
}

const decoder = new TextDecoder();

function text(bytes: Uint8Array, token: Token): string {
  return decoder.decode(bytes.subarray(token.start, token.end));
}

function upper(bytes: Uint8Array, token: Token): string {
  return token.kind === 'word' ? text(bytes, token).toUpperCase() : '';
}

/** A name as ClickHouse reads it: a bare word, or a quoted one without its quotes and escapes. */
function identifier(bytes: Uint8Array, token: Token): string | undefined {
  if (token.kind === 'word') return text(bytes, token);
  if (token.kind !== 'quoted') return undefined;
  const inner = text(bytes, { kind: 'quoted', start: token.start + 1, end: token.end - 1 });
  const quote = text(bytes, { kind: 'punct', start: token.start, end: token.start + 1 });
  return inner.replaceAll(quote + quote, quote).replace(/\\(.)/g, '$1');
}

const plainName = /^[A-Za-z0-9_]+$/;

function isPunct(bytes: Uint8Array, token: Token, char: string): boolean {
  return token.kind === 'punct' && bytes[token.start] === char.charCodeAt(0);
}

type Mutable = { -readonly [K in keyof StatementInfo]: StatementInfo[K] };

export function scanStatement(bytes: Uint8Array): StatementInfo {
  const lexer = new Lexer(bytes);
  const info: Mutable = {
    kind: 'other', keyword: '', format: undefined, dataStart: undefined, formatEnd: undefined, infileAt: undefined,
    target: undefined, values: false, multiStatement: false, intoOutfile: false, fromInfile: false,
    semicolonBeforeData: false, changesSession: false, incomplete: false,
  };
  const first = lexer.peek();
  if (first.kind === 'end') return { ...info, kind: 'empty' };
  if (isPunct(bytes, first, '(')) {
    info.kind = 'select';
    scanRest(bytes, lexer, info);
    return info;
  }
  info.keyword = upper(bytes, first);
  switch (info.keyword) {
    case 'SELECT':
    case 'WITH':
      info.kind = 'select';
      scanRest(bytes, lexer, info);
      return info;
    case 'INSERT':
      info.kind = 'insert';
      scanInsert(bytes, lexer, info);
      return info;
    case 'SET':
    case 'USE':
      info.changesSession = true;
      break;
    default: {
      lexer.next();
      // Temporary tables live in the connection, like settings: `CREATE TEMPORARY TABLE`.
      if (upper(bytes, lexer.peek()) === 'TEMPORARY') info.changesSession = true;
    }
  }
  scanRest(bytes, lexer, info);
  return info;
}

/** Walks the rest of a statement at bracket depth 0, noting FORMAT, INTO OUTFILE, FROM INFILE and ';'. */
function scanRest(bytes: Uint8Array, lexer: Lexer, info: Mutable): void {
  let depth = 0;
  for (;;) {
    const token = lexer.next();
    if (token.kind === 'end') return;
    if (token.kind === 'punct') {
      const c = bytes[token.start];
      if (c === 0x28 || c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x29 || c === 0x5d || c === 0x7d) depth = Math.max(0, depth - 1);
      else if (c === 0x3b && depth === 0) {
        let after = lexer.next();
        while (isPunct(bytes, after, ';')) after = lexer.next();
        info.multiStatement = after.kind !== 'end';
        return;
      }
      continue;
    }
    if (depth !== 0 || token.kind !== 'word') continue;
    const word = upper(bytes, token);
    if (word === 'FORMAT') {
      const name = lexer.peek();
      if (name.kind !== 'word' && name.kind !== 'quoted') continue;
      lexer.next();
      // `SELECT format FROM t` names a column: a format name is followed by the end, ';' or SETTINGS.
      const after = lexer.peek();
      if (after.kind === 'end' || isPunct(bytes, after, ';') || upper(bytes, after) === 'SETTINGS') {
        info.format = identifier(bytes, name);
      }
    } else if (word === 'INTO' && upper(bytes, lexer.peek()) === 'OUTFILE') {
      info.intoOutfile = true;
    } else if (word === 'FROM' && upper(bytes, lexer.peek()) === 'INFILE') {
      info.fromInfile = true;
    }
  }
}

/**
 * INSERT INTO [TABLE] [db.]t [(columns)] [SETTINGS …] (FORMAT name <data> | VALUES … | SELECT … | FROM INFILE …),
 * or INSERT INTO FUNCTION f(…) … — the grammar of ClickHouse's ParserInsertQuery, loosely.
 */
function scanInsert(bytes: Uint8Array, lexer: Lexer, info: Mutable): void {
  lexer.next(); // INSERT
  if (upper(bytes, lexer.peek()) === 'INTO') lexer.next();
  if (upper(bytes, lexer.peek()) === 'TABLE') lexer.next();

  let names: string[] | undefined = [];
  let columns: string[] | undefined;
  let columnsPlain = true;
  if (upper(bytes, lexer.peek()) === 'FUNCTION') {
    names = undefined;
    lexer.next();
    lexer.next(); // the function's name
    if (isPunct(bytes, lexer.peek(), '(')) skipBalanced(bytes, lexer);
  } else {
    const first = identifier(bytes, lexer.next());
    if (first === undefined) names = undefined;
    else names.push(first);
    if (names && isPunct(bytes, lexer.peek(), '.')) {
      lexer.next();
      const second = identifier(bytes, lexer.next());
      if (second === undefined) names = undefined;
      else names.push(second);
    }
  }
  if (isPunct(bytes, lexer.peek(), '(')) {
    columns = readColumns(bytes, lexer);
    columnsPlain = columns !== undefined;
  }

  let depth = 0;
  let settings = false;
  for (;;) {
    const token = lexer.peek();
    if (token.kind === 'end') {
      info.incomplete = true;
      return;
    }
    if (depth === 0 && (isPunct(bytes, token, '(') || ['SELECT', 'WITH'].includes(upper(bytes, token)))) {
      scanRest(bytes, lexer, info); // INSERT … SELECT: the rest is SQL
      return;
    }
    lexer.next();
    if (token.kind === 'punct') {
      const c = bytes[token.start];
      if (c === 0x28 || c === 0x5b) depth++;
      else if (c === 0x29 || c === 0x5d) depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth !== 0 || token.kind !== 'word') continue;
    const word = upper(bytes, token);
    if (word === 'SETTINGS') {
      settings = true;
      info.infileAt ??= token.start;
    } else if (word === 'VALUES') {
      info.values = true;
      return;
    } else if (word === 'FROM' && upper(bytes, lexer.peek()) === 'INFILE') {
      info.fromInfile = true;
      scanRest(bytes, lexer, info);
      return;
    } else if (word === 'FORMAT') {
      const name = lexer.next();
      const format = identifier(bytes, name);
      if (format === undefined) {
        info.incomplete = name.kind === 'end';
        return;
      }
      info.format = format;
      info.infileAt ??= token.start;
      info.formatEnd = name.end;
      info.dataStart = dataStart(bytes, name.end);
      info.semicolonBeforeData = bytes[name.end] === 0x3b;
      const simple = names !== undefined && !settings && columnsPlain && names.every((n) => plainName.test(n))
        && (columns === undefined || columns.every((c) => plainName.test(c)));
      if (simple && names) info.target = { table: names.join('.'), columns };
      return;
    }
  }
}

/** Data starts after blanks and at most one newline following the format name (ParserInsertQuery). */
function dataStart(bytes: Uint8Array, from: number): number {
  let i = from;
  while (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0c) i++;
  if (bytes[i] === 0x0d) i++;
  if (bytes[i] === 0x0a) i++;
  return i;
}

/** `(a, b, c)` → names; anything else (`* EXCEPT (…)`, expressions) → undefined, skipped whole. */
function readColumns(bytes: Uint8Array, lexer: Lexer): string[] | undefined {
  lexer.next(); // (
  const names: string[] = [];
  for (;;) {
    const token = lexer.next();
    const name = identifier(bytes, token);
    if (name === undefined) {
      if (isPunct(bytes, token, ')') && names.length === 0) return undefined;
      skipToClose(bytes, lexer, token);
      return undefined;
    }
    names.push(name);
    const separator = lexer.next();
    if (isPunct(bytes, separator, ')')) return names;
    if (!isPunct(bytes, separator, ',')) {
      skipToClose(bytes, lexer, separator);
      return undefined;
    }
  }
}

/** Skips to the ')' closing a list we are already inside of. */
function skipToClose(bytes: Uint8Array, lexer: Lexer, current: Token): void {
  let depth = 1;
  let token = current;
  for (;;) {
    if (token.kind === 'end') return;
    if (isPunct(bytes, token, '(')) depth++;
    if (isPunct(bytes, token, ')') && --depth === 0) return;
    token = lexer.next();
  }
}

/** Skips a parenthesised group starting at the next token. */
function skipBalanced(bytes: Uint8Array, lexer: Lexer): void {
  lexer.next(); // (
  skipToClose(bytes, lexer, lexer.next());
}

export interface SplitStatement {
  readonly info: StatementInfo;
  /** The SQL to run (for INSERT … FORMAT: the statement up to the format name). */
  readonly sql: string;
  /** INSERT … FORMAT: the rows, not decoded (they may be binary). */
  readonly data: Buffer | undefined;
}

/**
 * ClickHouse reads the query parameter, a newline, then the body as one text. An INSERT's rows
 * are sliced off as bytes, without ever turning a large body into a string.
 */
export function splitStatement(query: string, body: Buffer): SplitStatement {
  const head = query === '' ? Buffer.alloc(0) : Buffer.from(`${query}\n`, 'utf8');
  if (head.length > 0) {
    const info = scanStatement(head);
    if (info.kind === 'insert' && info.dataStart !== undefined && info.formatEnd !== undefined) {
      const data = info.dataStart >= head.length ? body : Buffer.concat([head.subarray(info.dataStart), body]);
      return { info, sql: head.subarray(0, info.formatEnd).toString('utf8'), data };
    }
    if (body.length === 0) return { info, sql: query, data: undefined };
  }
  const full = head.length === 0 ? body : Buffer.concat([head, body]);
  const info = scanStatement(full);
  if (info.kind === 'insert' && info.dataStart !== undefined && info.formatEnd !== undefined) {
    return { info, sql: full.subarray(0, info.formatEnd).toString('utf8'), data: full.subarray(info.dataStart) };
  }
  return { info, sql: full.toString('utf8'), data: undefined };
}

/** A quoted name's text with ClickHouse's escapes (`\x66`, `\\`, doubled quotes) undone. */
function unescapedName(bytes: Uint8Array, token: Token): string {
  const raw = text(bytes, { kind: 'quoted', start: token.start + 1, end: token.end - 1 });
  return raw.replace(/\\x([0-9A-Fa-f]{2})|\\(.)|(["`])\3/gs, (_m, hex: string | undefined, escaped: string | undefined, quote: string | undefined) =>
    hex !== undefined ? String.fromCharCode(Number.parseInt(hex, 16)) : escaped ?? quote ?? '');
}

/** What the embedded server lets a statement make (confinement.ts's POLICY). */
export interface ConfinementPolicy {
  readonly tableEngines: readonly string[];
  readonly databaseEngines: readonly string[];
  /** Settings a table or view must not be given: it would apply them without the profile's constraints. */
  readonly storedSettings: readonly string[];
}

export interface Escape {
  /** What was refused, e.g. `file()`, `the table engine EmbeddedRocksDB`. */
  readonly what: string;
  /** Why it reaches outside the data folder. */
  readonly why: string;
}

/** Words that may come before DATABASE, TABLE… in CREATE/ATTACH/REPLACE. */
const DDL_PREFIX = new Set(['CREATE', 'ATTACH', 'REPLACE', 'OR', 'TEMPORARY', 'IF', 'NOT', 'EXISTS']);

/** A Kafka table's positional arguments: the sixth is its schema (kafka_schema). */
const KAFKA_SCHEMA_ARGUMENT = 5;

/**
 * The first thing in a statement that would reach outside the data folder where the engine itself
 * does not stop it (confinement.ts says why each is refused here), or undefined:
 * - a call of `file` (function names are case-sensitive) or of a function whose name starts with
 *   `disk` (a custom disk), however deep and however quoted;
 * - in CREATE/ATTACH/REPLACE, an ENGINE clause (at the top level, before `AS SELECT`) naming an
 *   engine outside the policy, or a Kafka table's sixth argument (its schema) other than '';
 * - `ATTACH … FROM '<path>'`;
 * - in a statement other than SELECT, INSERT and SET (those are held by the profile's
 *   constraints), `<setting> =` for a setting of `policy.storedSettings`.
 */
export function escapesDataFolder(sql: string, info: StatementInfo, policy: ConfinementPolicy): Escape | undefined {
  const bytes = Buffer.from(sql, 'utf8');
  const lexer = new Lexer(bytes);
  const stored = new Set(policy.storedSettings.map((name) => name.toLowerCase()));
  const checkStored = info.kind === 'other' && info.keyword !== 'SET';
  const ddl = ['CREATE', 'ATTACH', 'REPLACE'].includes(info.keyword);
  let database = false;
  let prefix = ddl;
  let storageClauses = ddl;
  let depth = 0;
  /** Inside a Kafka engine's arguments: their depth, the argument being read, the sixth's tokens. */
  let kafka: { depth: number; index: number; schema: Token[] } | undefined;
  let kafkaOpens = false;

  for (let token = lexer.next(); token.kind !== 'end'; token = lexer.next()) {
    if (kafka && kafka.index === KAFKA_SCHEMA_ARGUMENT && depth >= kafka.depth
      && !(depth === kafka.depth && (isPunct(bytes, token, ',') || isPunct(bytes, token, ')')))) kafka.schema.push(token);
    if (token.kind === 'punct') {
      const c = bytes[token.start];
      if (c === 0x28 || c === 0x5b || c === 0x7b) {
        depth++;
        if (kafkaOpens) kafka = { depth, index: 0, schema: [] };
        kafkaOpens = false;
      } else if (c === 0x29 || c === 0x5d || c === 0x7d) {
        if (kafka && depth === kafka.depth) {
          const schema = kafka.schema;
          kafka = undefined;
          const empty = schema.length === 0 || (schema.length === 1 && schema[0]!.kind === 'string' && schema[0]!.end - schema[0]!.start === 2);
          if (!empty) return { what: "a Kafka table's schema argument", why: 'a schema file at any path' };
        }
        depth = Math.max(0, depth - 1);
      } else if (c === 0x2c && kafka && depth === kafka.depth) {
        kafka.index++;
      }
      continue;
    }
    if (token.kind !== 'word' && token.kind !== 'quoted') continue;
    const name = token.kind === 'word' ? text(bytes, token) : unescapedName(bytes, token);
    const next = lexer.peek();
    if (isPunct(bytes, next, '(')) {
      if (name === 'file') return { what: 'file()', why: 'it reads any path' };
      if (name.startsWith('disk')) return { what: `${name}()`, why: 'a custom disk is a folder at any path' };
    }
    if (checkStored && isPunct(bytes, next, '=') && stored.has(name.toLowerCase())) {
      return { what: `the setting ${name} in ${info.keyword}`, why: 'a table or view would apply it to a file at any path' };
    }
    if (token.kind !== 'word' || depth !== 0 || !storageClauses) continue;
    const word = name.toUpperCase();
    if (prefix && !DDL_PREFIX.has(word)) {
      prefix = false;
      database = word === 'DATABASE';
      // A function's ENGINE names a UDF driver, which the server configuration leaves off.
      if (word === 'FUNCTION') storageClauses = false;
    }
    if (word === 'AS' && (isPunct(bytes, next, '(') || ['SELECT', 'WITH'].includes(upper(bytes, next)))) {
      storageClauses = false; // the rest is a query, where `engine` can only be a column
    } else if (word === 'FROM' && info.keyword === 'ATTACH' && next.kind === 'string') {
      return { what: 'ATTACH … FROM a path', why: 'the folder, under the working directory, is moved into the data folder' };
    } else if (word === 'ENGINE') {
      if (isPunct(bytes, next, '=')) lexer.next();
      const engineToken = lexer.next();
      const engine = identifier(bytes, engineToken) ?? text(bytes, engineToken);
      const allowed = database ? policy.databaseEngines : policy.tableEngines;
      if (!allowed.includes(engine)) {
        return {
          what: `the ${database ? 'database' : 'table'} engine ${engine || '(none)'}`,
          why: `only ${allowed.join(', ')} are${database ? '' : ' (a column named engine must be quoted)'}`,
        };
      }
      kafkaOpens = engine === 'Kafka' && isPunct(bytes, lexer.peek(), '(');
    }
  }
  return undefined;
}
