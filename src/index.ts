/**
 * The package's public API: what a pipeline file (kch.config.ts) imports to define its streams.
 *
 *   import { defineConfig, defineStream, field } from 'kafka-clickhouse-pipeline';
 *   export default defineConfig({ streams: [defineStream({ name: 'orders', fields: {…}, orderBy: […] })] });
 */
export { defineConfig, type PipelineConfigSpec, type PipelineDefinition } from './config/define.js';
export { field, type DateEncoding, type DateOptions, type DecimalEncoding, type DecimalOptions, type Draw, type Field, type IntegerType, type TextOptions, type TimestampEncoding, type TimestampOptions, type TimestampPrecision, type VariableScaleDecimal } from './pipeline/field.js';
export { defineStream, validateEvent, type EventOf, type EventProblem, type Fields, type Projection, type StreamDefinition, type StreamSpec } from './pipeline/stream.js';
export type { Figure, HourlyPanel, LevelsPanel, NewestPanel, Panel, RankedPanel, Split, Tile, TilesPanel } from './pipeline/panels.js';
export type { EventBytes, EventContext, EventRandom, EventRecipe, EventWorld } from './pipeline/recipe.js';
export { KchError, ErrorCodes, type ErrorCode } from './errors/kch-error.js';
import { streams } from './pipeline/streams/index.js';

/** The seed's two streams (sales, warehouse), to keep beside streams of one's own. */
export const seedStreams = streams;
