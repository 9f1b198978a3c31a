/**
 * What a pipeline file exports: `export default defineConfig({ streams: [...] })`. The streams
 * are checked together here (each was checked alone by defineStream): two streams may read one
 * topic, each with its consumer group, but must not share a name, a consumer group, the name
 * of any object (each name belongs to one stream, which alone may change the object) or the id
 * of a dashboard panel or tile.
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { objectRoles } from '../pipeline/names.js';
import { tilesOf } from '../pipeline/panels.js';
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
  const objects = new Map<string, { stream: string; role: string }>();
  for (const stream of streams) {
    if (typeof (stream as unknown) !== 'object' || typeof stream.name !== 'string' || typeof stream.fields !== 'object') {
      throw new KchError(ErrorCodes.DEFINITION, 'defineConfig: every stream must be made by defineStream');
    }
    claim('name', stream.name, stream.name);
    // One group per stream: two Kafka tables in one group would share the topic's messages out.
    claim('consumer group', stream.consumerGroup, stream.name);
    // A declared panel's id and a tile's name their places on the dashboard's one page.
    for (const panel of stream.panels ?? []) claim('panel id', panel.id, stream.name);
    for (const tile of tilesOf(stream.panels ?? [])) claim('tile id', tile.id, stream.name);
    for (const [key, role] of Object.entries(objectRoles) as [keyof typeof objectRoles, string][]) {
      const name = stream[key];
      const owner = objects.get(name);
      if (owner?.stream === stream.name) throw new KchError(ErrorCodes.DEFINITION, `stream ${stream.name}: its ${owner.role} and its ${role} are both named ${name}`);
      if (owner) throw new KchError(ErrorCodes.DEFINITION, `streams ${owner.stream} and ${stream.name} both use the name ${name} (${owner.stream}'s ${owner.role}, ${stream.name}'s ${role}): each object belongs to one stream`);
      objects.set(name, { stream: stream.name, role });
    }
  }
  return { streams };
}
