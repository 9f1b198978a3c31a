import assert from 'node:assert/strict';
import { test } from 'node:test';
import { degradations } from '../../../src/clickhouse/detect-features.js';
import { currentServer, featuresForVersion } from '../../../src/pipeline/features.js';

test('a current server costs nothing; one before 25.8 is told what parsing in the Kafka engine costs', () => {
  assert.deepEqual(degradations(currentServer), []);
  assert.deepEqual(degradations(featuresForVersion('25.8.1')), []);
  const before = degradations(featuresForVersion('25.3.1'));
  assert.equal(before.length, 1);
  assert.match(before[0]!, /^ClickHouse 25\.3\.1 cannot decode JSON in the views \(Dynamic, 25\.8\+\): .*quoted number/);
});
