/**
 * What a pipeline file exports: `export default defineConfig({ streams: [...] })`. The streams
 * are checked together here (each was checked alone by defineStream): two streams must not share
 * a name, a topic or a table.
 */
import { ErrorCodes, KchError } from '../errors.js';
import type { StreamDefinition } from '../pipeline/stream.js';

export interface PipelineConfigSpec {
  /** The pipeline's streams, each made by defineStream (the seed's are `seedStreams`). */
  readonly streams: readonly StreamDefinition[];
}

export interface PipelineDefinition {
  readonly streams: readonly StreamDefinition[];
}

/** Array.isArray without narrowing to any[]: a JavaScript config may pass anything. */
const isList = (value: unknown): boolean => Array.isArray(value);

export function defineConfig(spec: PipelineConfigSpec): PipelineDefinition {
  const streams: readonly StreamDefinition[] = spec.streams;
  if (!isList(streams) || streams.length === 0) {
    throw new KchError(ErrorCodes.DEFINITION, 'defineConfig: streams must list at least one stream made by defineStream');
  }
  const seen = new Map<string, string>();
  const claim = (what: string, value: string, stream: string): void => {
    const owner = seen.get(`${what}:${value}`);
    if (owner !== undefined) throw new KchError(ErrorCodes.DEFINITION, `streams ${owner} and ${stream} both use the ${what} ${value}`);
    seen.set(`${what}:${value}`, stream);
  };
  for (const stream of streams) {
    if (typeof (stream as unknown) !== 'object' || typeof stream.name !== 'string' || typeof stream.fields !== 'object') {
      throw new KchError(ErrorCodes.DEFINITION, 'defineConfig: every stream must be made by defineStream');
    }
    claim('name', stream.name, stream.name);
    claim('topic', stream.topic, stream.name);
    claim('consumer group', stream.consumerGroup, stream.name);
    for (const table of new Set([stream.kafkaTable, stream.target, stream.view, stream.deadLetter, stream.deadLetterView, stream.decoded, stream.decodeView, `${stream.target}_dedup`])) {
      claim('table', table, stream.name);
    }
  }
  return { streams };
}
