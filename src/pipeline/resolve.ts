/**
 * A pipeline's streams placed where they run: each object's name (src/pipeline/names.ts) in the
 * pipeline's database, topics and consumer groups under its prefix, and on a cluster the local
 * tables behind the Distributed ones. Resolved once, by the command that reads the options, and
 * handed down: below it nothing works out a name again.
 */
import { localTableName } from './names.js';
import { arrivalsProjection, type Projection, type StreamDefinition } from './stream.js';
import { TableRef } from './table-ref.js';

/** What a stream's names depend on besides its definition (a PipelineTarget is one). */
export interface NameScope {
  /** Database holding every object. */
  readonly database: string;
  /** Prefix for topics and consumer groups. */
  readonly topicPrefix: string;
  /** A ClickHouse cluster: rows live in local tables behind Distributed ones. */
  readonly cluster?: { readonly name: string };
}

/** One stream's objects, resolved for a pipeline. */
export interface ResolvedStream {
  readonly stream: StreamDefinition;
  readonly topic: string;
  readonly group: string;
  readonly kafkaTable: TableRef;
  /** What users and kch read: on a cluster the Distributed table over `stored.target`. */
  readonly target: TableRef;
  readonly view: TableRef;
  readonly deadLetter: TableRef;
  readonly deadLetterView: TableRef;
  /** The Null table and the view that decodes into it (servers with `decodeInViews`). */
  readonly decoded: TableRef;
  readonly decodeView: TableRef;
  readonly dedupView: TableRef;
  readonly sinkRanges: TableRef;
  /**
   * The MergeTree tables that keep the rows on each server: on a cluster the `_local` tables
   * behind the Distributed ones (parts, mutations and replicas are theirs), else the tables themselves.
   */
  readonly stored: { readonly target: TableRef; readonly deadLetter: TableRef; readonly sinkRanges: TableRef };
  /** The target's projections: every target's arrivals, then the stream's own. */
  readonly projections: readonly Projection[];
}

export interface ResolvedPipeline<T extends NameScope = NameScope> {
  readonly target: T;
  readonly streams: readonly ResolvedStream[];
}

export function topicOf(stream: StreamDefinition, scope: Pick<NameScope, 'topicPrefix'>): string {
  return `${scope.topicPrefix}${stream.topic}`;
}

export function groupOf(stream: StreamDefinition, scope: Pick<NameScope, 'topicPrefix'>): string {
  return `${scope.topicPrefix}${stream.consumerGroup}`;
}

export function resolveStream(stream: StreamDefinition, scope: NameScope): ResolvedStream {
  const at = (table: string): TableRef => new TableRef(scope.database, table);
  const stored = (table: string): TableRef => at(scope.cluster ? localTableName(table) : table);
  return {
    stream,
    topic: topicOf(stream, scope),
    group: groupOf(stream, scope),
    kafkaTable: at(stream.kafkaTable),
    target: at(stream.target),
    view: at(stream.view),
    deadLetter: at(stream.deadLetter),
    deadLetterView: at(stream.deadLetterView),
    decoded: at(stream.decoded),
    decodeView: at(stream.decodeView),
    dedupView: at(stream.dedupView),
    sinkRanges: at(stream.sinkRanges),
    stored: { target: stored(stream.target), deadLetter: stored(stream.deadLetter), sinkRanges: stored(stream.sinkRanges) },
    projections: [arrivalsProjection, ...stream.projections],
  };
}

export function resolvePipeline<T extends NameScope>(options: { readonly target: T; readonly streams: readonly StreamDefinition[] }): ResolvedPipeline<T> {
  return { target: options.target, streams: options.streams.map((stream) => resolveStream(stream, options.target)) };
}
