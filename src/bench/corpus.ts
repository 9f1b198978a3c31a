/**
 * Seed-format events made once and kept pre-serialized, one JSON per line and one file per
 * topic, so that kcat, kafkajs and direct inserts send exactly the bytes our generator sends.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSource, mixFor } from '../generator/mix.js';
import { assertEvent } from '../pipeline/stream.js';
import { streams } from '../pipeline/streams/index.js';

export interface CorpusFile {
  /** Stream's topic without prefix (`sales`, `warehouse`). */
  readonly topic: string;
  /** Target table of the stream. */
  readonly table: string;
  readonly path: string;
  readonly events: number;
  readonly bytes: number;
}

export interface Corpus {
  readonly seed: number;
  readonly events: number;
  /** Bytes of the JSON values (no newlines). */
  readonly bytes: number;
  readonly files: readonly CorpusFile[];
}

/**
 * Makes (or reuses from the temp folder) `events` events of seed `seed`. event_time is the time
 * the corpus is made: the pipeline does not care how old an event is.
 */
export async function makeCorpus(events: number, seed: number, dir = join(tmpdir(), 'kch-bench-corpus')): Promise<Corpus> {
  const folder = join(dir, `seed${seed}-n${events}`);
  const manifest = join(folder, 'corpus.json');
  if (existsSync(manifest)) return JSON.parse(await readFile(manifest, 'utf8')) as Corpus;
  await mkdir(folder, { recursive: true });
  const source = new EventSource(seed, mixFor(streams));
  const lines = new Map<string, { table: string; parts: string[]; bytes: number }>();
  const now = new Date();
  for (let i = 0; i < events; i++) {
    const { stream, event } = source.next(now);
    assertEvent(stream, event);
    let entry = lines.get(stream.topic);
    if (!entry) lines.set(stream.topic, entry = { table: stream.target, parts: [], bytes: 0 });
    const json = JSON.stringify(event);
    entry.parts.push(json);
    entry.bytes += Buffer.byteLength(json);
  }
  const files: CorpusFile[] = [];
  for (const [topic, entry] of lines) {
    const path = join(folder, `${topic}.jsonl`);
    await writeFile(`${path}.tmp`, `${entry.parts.join('\n')}\n`);
    await rename(`${path}.tmp`, path);
    files.push({ topic, table: entry.table, path, events: entry.parts.length, bytes: entry.bytes });
  }
  const corpus: Corpus = { seed, events, bytes: files.reduce((a, f) => a + f.bytes, 0), files };
  await writeFile(manifest, JSON.stringify(corpus, null, 2));
  return corpus;
}

/** Splits a corpus file into chunks of at most `lines` lines, as Buffers ending in a newline. */
export function chunkLines(text: Buffer, lines: number): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== 0x0a) continue;
    count++;
    if (count === lines) {
      chunks.push(text.subarray(start, i + 1));
      start = i + 1;
      count = 0;
    }
  }
  if (start < text.length) chunks.push(text.subarray(start));
  return chunks;
}
