/**
 * The event ids `kch verify` gives its events, so that it can find exactly its own among any
 * other data in the tables without a column of its own: a UUIDv8 whose first group is the run,
 * whose second is the constant marker `6b63` ("kc"), and whose last 48 bits are the event's
 * sequence number in the run.
 *
 *     3f2a9c1e-6b63-8000-8000-00000001e240
 *     └─ run ─┘ └kc┘ └v8┘ └var┘ └─ sequence ─┘
 *
 * The ids are valid UUIDs for every check of the streams (TypeScript and SQL), and the text
 * prefix is all a query needs: `substring(toString(event_id), 1, 24) = '<prefix>'` works on
 * every ClickHouse from 18.16 on.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { StreamDefinition } from '../pipeline/stream.js';

/** `kc` in ASCII: marks an id as made by kch verify. */
export const VERIFY_MARKER = '6b63';
/** Characters before the sequence number: `RRRRRRRR-6b63-8000-8000-`. */
export const PREFIX_LENGTH = 24;
/** The largest sequence number a run can hold (48 bits). */
export const MAX_SEQUENCE = 2 ** 48 - 1;

const runPattern = /^[0-9a-f]{8}$/;
const idPattern = /^([0-9a-f]{8})-6b63-8000-8000-([0-9a-f]{12})$/;

/** A fresh run id: 8 lowercase hex digits. */
export function newRunId(random: (size: number) => Buffer = randomBytes): string {
  return random(4).toString('hex');
}

export function assertRunId(run: string): void {
  if (!runPattern.test(run)) throw new KchError(ErrorCodes.USAGE, `a verify run id is 8 lowercase hex digits, got "${run}"`);
}

/**
 * The field a stream's events are tagged by: its id, a UUID or a text field that holds one.
 * Throws, naming the stream and what to do, when it has none that can.
 */
export function verifiableId(stream: StreamDefinition): string {
  const id = stream.id;
  if (id === undefined) {
    throw new KchError(ErrorCodes.CONFIG, `stream ${stream.name} has no id field, so kch verify cannot tell its events apart: name one with id: '<field>' in its definition`);
  }
  const field = stream.fields[id]!;
  const holdsUuid = field.kind === 'uuid' || (field.kind === 'text' && field.problem('00000000-6b63-8000-8000-000000000000') === undefined);
  if (!holdsUuid || field.isOptional) {
    throw new KchError(ErrorCodes.CONFIG, `stream ${stream.name}: kch verify tags events by their id, and its id field ${id} (${field.describe()}) cannot hold the UUID-shaped tag; it must be a required uuid or text field`);
  }
  return id;
}

/** The text every id of the run starts with. */
export function runPrefix(run: string): string {
  assertRunId(run);
  return `${run}-${VERIFY_MARKER}-8000-8000-`;
}

/** The event id of sequence number `seq` in `run`. */
export function eventIdOf(run: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_SEQUENCE) {
    throw new KchError(ErrorCodes.USAGE, `a verify sequence number is 0..${MAX_SEQUENCE}, got ${seq}`);
  }
  return `${runPrefix(run)}${seq.toString(16).padStart(12, '0')}`;
}

/** `{ run, seq }` of an id made by eventIdOf, or undefined for any other text. */
export function parseEventId(id: string): { run: string; seq: number } | undefined {
  const match = idPattern.exec(id.toLowerCase());
  if (!match) return undefined;
  return { run: match[1]!, seq: Number.parseInt(match[2]!, 16) };
}

/** The 12 hex digits after the prefix, as ClickHouse returns them, → the sequence number. */
export function parseSequence(hex: string): number | undefined {
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return undefined;
  return Number.parseInt(hex, 16);
}
