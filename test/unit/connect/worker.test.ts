import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderConnectLog4j2, renderWorkerProperties } from '../../../src/connect/worker.js';
import { properties } from '../../support/properties.js';

test('the worker runs distributed, its state in prefixed topics, its REST API on loopback only', () => {
  const text = renderWorkerProperties({ bootstrap: '127.0.0.1:9092,127.0.0.1:9094', port: 18083, topicPrefix: 'dev_' });
  const entries = properties(text);
  assert.equal(entries.get('bootstrap.servers'), '127.0.0.1:9092,127.0.0.1:9094');
  assert.equal(entries.get('group.id'), 'dev_kch-connect');
  assert.equal(entries.get('config.storage.topic'), 'dev_kch-connect-configs');
  assert.equal(entries.get('offset.storage.topic'), 'dev_kch-connect-offsets');
  assert.equal(entries.get('status.storage.topic'), 'dev_kch-connect-status');
  assert.equal(entries.get('listeners'), 'http://127.0.0.1:18083');
  assert.equal(entries.get('rest.advertised.host.name'), '127.0.0.1');
  assert.equal(entries.get('value.converter'), 'org.apache.kafka.connect.json.JsonConverter');
  assert.equal(entries.get('value.converter.schemas.enable'), 'true');
  // As many copies as the broker's default: a cluster of kch kafka --nodes 3 gets 3.
  assert.equal(entries.get('config.storage.replication.factor'), '-1');
  assert.equal(entries.has('plugin.path'), false, 'every jar is on the class path; an empty plugin.path is refused');
});

test('the worker\'s log goes to its file, warnings also to stderr, paths escaped for XML', () => {
  const xml = renderConnectLog4j2('/data/a&b/connect.log');
  assert.match(xml, /fileName="\/data\/a&amp;b\/connect.log"/);
  assert.match(xml, /<ThresholdFilter level="WARN"/);
});
