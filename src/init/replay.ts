/**
 * The sample replayed through the inferred definition: the checks `validateEvent` makes are the
 * ones the pipeline's views make (tested to agree), so a message it rejects here is a message
 * that would be a dead letter there, for the same reason.
 */
import { parseJson, parseMessage, unreadable as unreadableReasons } from '../pipeline/json.js';
import { validateEvent, type StreamDefinition } from '../pipeline/stream.js';
import { printable } from '../output/terminal.js';
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
  for (const message of messages) {
    const raw = printable(message.value?.toString('utf8') ?? '');
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
    const problems = validateEvent(stream, parsed.value);
    if (problems.length === 0) continue;
    deadLetters += 1;
    // Element numbers aside, so that one reason gathers every message it applies to.
    for (const problem of problems) note(`${problem.path.slice(1).replaceAll('/', '.') || '(message)'} ${problem.message.replace(/^element \d+ /, 'an element ')}`, raw);
  }
  return {
    messages: messages.length,
    deadLetters,
    reasons: [...reasons].map(([reason, { count, example }]) => ({ reason, count, example })).sort((a, b) => b.count - a.count),
  };
}
