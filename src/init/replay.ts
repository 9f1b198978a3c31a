/**
 * The sample replayed through the inferred definition: the checks `validateEvent` makes are the
 * ones the pipeline's views make (tested to agree), so a message it rejects here is a message
 * that would be a dead letter there, for the same reason. An upsert stream's message is judged
 * by the row inside its envelope (src/init/changes.ts), a deleted row by its key alone, as the
 * views judge them.
 */
import { parseJson, parseMessage, unreadable as unreadableReasons } from '../pipeline/json.js';
import { shapeOf, validateEvent, type EventProblem, type StreamDefinition } from '../pipeline/stream.js';
import { printable } from '../output/terminal.js';
import { changeOf } from './changes.js';
import type { SampledMessage } from './sample.js';

export interface Parsed {
  /** The sample's messages that are JSON objects. */
  readonly objects: readonly Record<string, unknown>[];
  /** How many were not, by why. */
  readonly unreadable: ReadonlyMap<string, number>;
}

/** Splits the sample into JSON objects (read as the views read them: numbers exact) and what is not one. */
export function parseSample(messages: readonly SampledMessage[]): Parsed {
  const objects: Record<string, unknown>[] = [];
  const unreadable = new Map<string, number>();
  const count = (why: string): void => { unreadable.set(why, (unreadable.get(why) ?? 0) + 1); };
  for (const message of messages) {
    if (message.value === null) { count('empty (a tombstone)'); continue; }
    const parsed = parseMessage(message.value);
    if (!parsed.ok) {
      if (parsed.reason === unreadableReasons.object) count(parseJson(message.value.toString('utf8')) === undefined ? 'not JSON' : 'JSON, but not an object');
      else count(parsed.reason.startsWith(unreadableReasons.number) ? 'a number out of range' : parsed.reason);
      continue;
    }
    objects.push(parsed.value as Record<string, unknown>);
  }
  return { objects, unreadable };
}

export interface Replay {
  readonly messages: number;
  /** Messages that would be dead letters. */
  readonly deadLetters: number;
  /** Messages that would land as deletes (an upsert stream's). */
  readonly deletes: number;
  /** Messages that are no change at all: neither a row nor a dead letter (Debezium's tombstones). */
  readonly skipped: number;
  /** Why, with how many messages each and an example. */
  readonly reasons: readonly { readonly reason: string; readonly count: number; readonly example: string }[];
}

export function replaySample(stream: StreamDefinition, messages: readonly SampledMessage[]): Replay {
  const reasons = new Map<string, { count: number; example: string }>();
  let deadLetters = 0;
  const note = (reason: string, example: string): void => {
    const known = reasons.get(reason);
    if (known) known.count += 1;
    else reasons.set(reason, { count: 1, example: example.length > 120 ? `${example.slice(0, 117)}...` : example });
  };
  let deletes = 0;
  let skipped = 0;
  const changes = stream.changes;
  for (const message of messages) {
    const raw = printable(message.value?.toString('utf8') ?? '');
    let problems: readonly EventProblem[];
    if (changes !== undefined) {
      const change = changeOf(changes, message);
      if (change.kind === 'skip') {
        skipped += 1;
        continue;
      }
      if (change.kind === 'refused') {
        deadLetters += 1;
        note(change.reason, raw || printable(`(no value; key ${message.key?.toString('utf8') ?? 'none'})`));
        continue;
      }
      if (typeof change.row !== 'object' || change.row === null || Array.isArray(change.row)) {
        deadLetters += 1;
        note(unreadableReasons.object, raw);
        continue;
      }
      problems = rowProblems(stream, change.row as Record<string, unknown>, change.deleted);
      if (problems.length === 0 && change.deleted) deletes += 1;
    } else {
      if (message.value === null) {
        deadLetters += 1;
        note('empty (a tombstone)', raw);
        continue;
      }
      const parsed = parseMessage(message.value);
      if (!parsed.ok) {
        deadLetters += 1;
        note(parsed.reason, raw);
        continue;
      }
      problems = validateEvent(stream, parsed.value);
    }
    if (problems.length === 0) continue;
    deadLetters += 1;
    // Element numbers aside, so that one reason gathers every message it applies to.
    for (const problem of problems) note(`${problem.path.slice(1).replaceAll('/', '.') || '(message)'} ${problem.message.replace(/^element \d+ /, 'an element ')}`, raw);
  }
  return {
    messages: messages.length,
    deadLetters,
    deletes,
    skipped,
    reasons: [...reasons].map(([reason, { count, example }]) => ({ reason, count, example })).sort((a, b) => b.count - a.count),
  };
}

/**
 * A change's row against its stream. A deleted row is named by its key: its key's fields are
 * checked, and its top-level names must be the stream's; its other fields may be absent or null
 * (the views check no more).
 */
function rowProblems(stream: StreamDefinition, row: Record<string, unknown>, deleted: boolean): EventProblem[] {
  const problems = validateEvent(stream, row);
  if (!deleted) return problems;
  const keyPaths = new Set((stream.changes?.key ?? []).map((k) => `/${(stream.fields[k]?.jsonPath ?? [k]).join('/')}`));
  const members = shapeOf(stream).members;
  return [
    ...problems.filter((p) => keyPaths.has(p.path)),
    ...Object.keys(row).filter((k) => !members.has(k)).map((k) => ({ path: `/${k}`, message: 'is not a field of this stream' })),
  ];
}
