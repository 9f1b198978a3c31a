/** Turning the Kafka client's errors into one-line KchErrors, and the producer's back-off. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultipleErrors, NetworkError, ProtocolError } from '@platformatic/kafka';
import { ErrorCodes } from '../../../src/errors/kch-error.js';
import { fromKafkaError, hasApiError, isUnreachable } from '../../../src/kafka/errors.js';
import { parseBrokers } from '../../../src/kafka/brokers.js';
import { backoffMs } from '../../../src/kafka/producer.js';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
const cannotConnect = new MultipleErrors('metadata failed 2 times.', [
  new MultipleErrors('Cannot connect to any broker.', [new NetworkError('Connection to 127.0.0.1:9092 failed.', { cause: refused })]),
]);

test('connection failures are KAFKA_UNREACHABLE, retriable, naming the address, the reason and what to do', () => {
  assert.ok(isUnreachable(cannotConnect));
  const error = fromKafkaError(cannotConnect, parseBrokers('127.0.0.1:9092'), 'list offsets');
  assert.equal(error.code, ErrorCodes.KAFKA_UNREACHABLE);
  assert.equal(error.retriable, true);
  assert.match(error.message, /127\.0\.0\.1:9092/);
  assert.match(error.message, /ECONNREFUSED/);
  assert.match(error.message, /kch kafka/);
  assert.match(error.message, /--kafka-brokers/);
  assert.ok(!error.message.includes('\n'));
});

test('a refused request is KAFKA_REQUEST with Kafka\'s error name', () => {
  const refusal = new ProtocolError('TOPIC_AUTHORIZATION_FAILED', 'not allowed');
  assert.ok(!isUnreachable(refusal));
  const error = fromKafkaError(new MultipleErrors('createTopics failed.', [refusal]), parseBrokers('k:9092'), 'create topics');
  assert.equal(error.code, ErrorCodes.KAFKA_REQUEST);
  assert.match(error.message, /refused to create topics: TOPIC_AUTHORIZATION_FAILED: not allowed/);
});

test('Kafka error names are found inside nested errors', () => {
  const nested = new MultipleErrors('x', [new MultipleErrors('y', [new ProtocolError('TOPIC_ALREADY_EXISTS')])]);
  assert.ok(hasApiError(nested, 'TOPIC_ALREADY_EXISTS'));
  assert.ok(!hasApiError(nested, 'UNKNOWN_TOPIC_OR_PARTITION'));
  assert.ok(!hasApiError(new Error('plain'), 'TOPIC_ALREADY_EXISTS'));
});

test('producer back-off doubles from 100 ms up to the cap, with bounded jitter', () => {
  const middle = (): number => 0.5;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffMs(attempt, 5_000, middle)), [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  assert.equal(backoffMs(1_000, 5_000, middle), 5_000);
  assert.equal(backoffMs(3, 5_000, () => 0), 320);
  assert.equal(backoffMs(3, 5_000, () => 1), 480);
});
