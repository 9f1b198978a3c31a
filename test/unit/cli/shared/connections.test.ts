import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pipelineTargetFrom } from '../../../../src/cli/shared/connections.js';
import { options } from '../../../../src/config/options.js';
import { resolveOptions } from '../../../../src/config/resolve.js';
import { featuresForVersion } from '../../../../src/pipeline/features.js';
import { planPipeline } from '../../../../src/pipeline/plan.js';
import { render } from '../../../../src/pipeline/render.js';
import { streams } from '../../../../src/pipeline/streams/index.js';

const migrateSpecs = [options.kafkaBrokers, options.clickhouseDatabase, options.topicPrefix, options.kafkaBrokersForClickhouse, options.flushInterval, options.consumers];

function kafkaTableSql(target: ReturnType<typeof pipelineTargetFrom>): string {
  return planPipeline(streams, target, featuresForVersion('26.7.2.1')).map(render).filter((sql) => sql.includes('ENGINE = Kafka')).join('\n');
}

test('--flush-interval-ms sets kafka_flush_interval_ms; 500 by default', () => {
  assert.match(kafkaTableSql(pipelineTargetFrom(resolveOptions(migrateSpecs, [], {}))), /kafka_flush_interval_ms = 500\b/);
  assert.match(kafkaTableSql(pipelineTargetFrom(resolveOptions(migrateSpecs, ['--flush-interval-ms', '1000'], {}))), /kafka_flush_interval_ms = 1000\b/);
  assert.match(kafkaTableSql(pipelineTargetFrom(resolveOptions(migrateSpecs, [], { KAFKA_FLUSH_INTERVAL_MS: '250' }))), /kafka_flush_interval_ms = 250\b/);
});

test('commands that do not take the flag read KAFKA_FLUSH_INTERVAL_MS, so they see the plan migrate applied', () => {
  const saved = process.env.KAFKA_FLUSH_INTERVAL_MS;
  process.env.KAFKA_FLUSH_INTERVAL_MS = '750';
  try {
    const target = pipelineTargetFrom(resolveOptions([options.kafkaBrokers, options.clickhouseDatabase, options.topicPrefix], [], {}));
    assert.equal(target.flushIntervalMs, 750);
  } finally {
    if (saved === undefined) delete process.env.KAFKA_FLUSH_INTERVAL_MS;
    else process.env.KAFKA_FLUSH_INTERVAL_MS = saved;
  }
});

test('a flush interval out of range is a usage error', () => {
  for (const value of ['0', '-5', '600001']) {
    assert.throws(() => pipelineTargetFrom(resolveOptions(migrateSpecs, [`--flush-interval-ms=${value}`], {})), (error: Error & { code?: string }) => error.code === 'KCH_USAGE' && /between 1 and 600000/.test(error.message));
  }
  assert.throws(() => pipelineTargetFrom(resolveOptions(migrateSpecs, ['--flush-interval-ms', 'soon'], {})), /whole number/);
});

test('--consumers sets kafka_num_consumers; 1 by default, 1..64', () => {
  assert.match(kafkaTableSql(pipelineTargetFrom(resolveOptions(migrateSpecs, [], {}))), /kafka_num_consumers = 1,/);
  assert.match(kafkaTableSql(pipelineTargetFrom(resolveOptions(migrateSpecs, ['--consumers', '2'], {}))), /kafka_num_consumers = 2,/);
  assert.match(kafkaTableSql(pipelineTargetFrom(resolveOptions(migrateSpecs, [], { KAFKA_CONSUMERS: '3' }))), /kafka_num_consumers = 3,/);
  assert.throws(() => pipelineTargetFrom(resolveOptions(migrateSpecs, ['--consumers', '0'], {})), /--consumers must be between 1 and 64/);
});
