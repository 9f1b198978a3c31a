/**
 * Where the streams come from: the pipeline file a user gives (`--config`, KCH_CONFIG) or keeps
 * in the current folder (`kch.config.ts` …), or the seed's two streams when there is none. Every
 * command takes its streams from here and from nowhere else.
 */
import type { Logger } from '../log.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import { streams as seedStreams } from '../pipeline/streams/index.js';
import type { ResolvedOptions } from './resolve.js';

export interface PipelineConfig {
  readonly streams: readonly StreamDefinition[];
  /** Absolute path of the file the streams came from; undefined for the seed's streams. */
  readonly file: string | undefined;
}

/** The streams every command acts on. (Placeholder until the loader lands: the seed's.) */
export function loadPipelineConfig(_resolved: ResolvedOptions, _log: Logger): Promise<PipelineConfig> {
  return Promise.resolve({ streams: seedStreams, file: undefined });
}

/** The streams of one pipeline file (a generator thread's way: the main thread found the file). */
export function loadPipelineFile(_file: string, _log: Logger): Promise<PipelineConfig> {
  return Promise.resolve({ streams: seedStreams, file: undefined });
}
