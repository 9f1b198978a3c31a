import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineOnly } from '../../../../src/cli/shared/ops.js';
import type { OpsContext } from '../../../../src/ops/context.js';
import { resolveStream } from '../../../../src/pipeline/resolve.js';
import { currentServer } from '../../../../src/pipeline/features.js';
import type { PipelineTarget } from '../../../../src/pipeline/plan.js';
import { sales } from '../../../../src/pipeline/streams/index.js';
import { createLogger } from '../../../../src/output/log.js';

const contextFor = (target: PipelineTarget): OpsContext => ({ client: undefined as never, features: currentServer, target, bootstrap: 'k:9092', log: createLogger('test', () => undefined) });

test('pause, resume and replay name why a stream the sink moves is not theirs, and what to do', () => {
  const target: PipelineTarget = { database: 'default', brokers: 'k:9092', topicPrefix: '', ingest: 'sink' };
  assert.throws(() => engineOnly(contextFor(target), resolveStream(sales, target), 'pause'),
    /pause acts on a Kafka table, and sales has none: its ingest is sink\. Stop kch sink to pause it/);
  const engine: PipelineTarget = { ...target, ingest: 'engine' };
  assert.doesNotThrow(() => engineOnly(contextFor(engine), resolveStream(sales, engine), 'pause'));
});
