// Tests src/kafka/security.ts: the Kafka security settings and what each consumer of them gets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveOptions } from '../../../src/config/resolve.js';
import { clientSecurity, embeddedKafkaConfig, kafkaSecurityFrom, kafkaSecurityOptions, kafkaTableSettings } from '../../../src/kafka/security.js';
import { currentServer } from '../../../src/pipeline/features.js';
import { planStream } from '../../../src/pipeline/plan.js';
import { render } from '../../../src/pipeline/render.js';
import { sales } from '../../../src/pipeline/streams/index.js';

const from = (env: Record<string, string>, argv: string[] = []) => kafkaSecurityFrom(resolveOptions(kafkaSecurityOptions, argv, env));

test('plaintext by default: no TLS, no SASL, no table settings', () => {
  const security = from({});
  assert.deepEqual(security, { protocol: 'plaintext' });
  assert.deepEqual(clientSecurity(security), {});
  assert.deepEqual(kafkaTableSettings(security), {});
  assert.deepEqual(embeddedKafkaConfig(security), {});
});

test('SASL over TLS: clients get both, tables get everything but the password, the embedded server gets the password', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kch-kafka-sec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, 'ca.pem');
  const password = join(dir, 'password');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  writeFileSync(password, 'hunter2\n');
  const security = from({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'etl', KAFKA_SASL_PASSWORD_FILE: password, KAFKA_CA_FILE: ca });
  assert.deepEqual(security, { protocol: 'sasl_ssl', sasl: { mechanism: 'SCRAM-SHA-512', username: 'etl', password: 'hunter2' }, caFile: ca });
  const client = clientSecurity(security);
  assert.deepEqual(client.sasl, { mechanism: 'SCRAM-SHA-512', username: 'etl', password: 'hunter2' });
  assert.match(String(client.tls?.ca), /BEGIN CERTIFICATE/);
  assert.deepEqual(kafkaTableSettings(security), { kafka_security_protocol: 'sasl_ssl', kafka_sasl_mechanism: 'SCRAM-SHA-512', kafka_sasl_username: 'etl' });
  assert.deepEqual(embeddedKafkaConfig(security), { 'kafka.sasl_password': 'hunter2', 'kafka.ssl_ca_location': ca });

  const sql = render(planStream(sales, { database: 'default', brokers: 'k:9093', topicPrefix: '', kafkaSettings: kafkaTableSettings(security) }, currentServer).find((s) => s.kind === 'create-kafka-table')!);
  assert.match(sql, /kafka_security_protocol = 'sasl_ssl',\n    kafka_sasl_mechanism = 'SCRAM-SHA-512',\n    kafka_sasl_username = 'etl'/);
  assert.doesNotMatch(sql, /hunter2|password/, 'the password is never in the DDL');
});

test('TLS without SASL uses the system CAs unless a CA file is given', () => {
  assert.deepEqual(clientSecurity(from({ KAFKA_SECURITY_PROTOCOL: 'ssl' })), { tls: {} });
  assert.deepEqual(kafkaTableSettings(from({ KAFKA_SECURITY_PROTOCOL: 'ssl' })), { kafka_security_protocol: 'ssl' });
});

test('mistakes are one line each', () => {
  assert.throws(() => from({ KAFKA_SECURITY_PROTOCOL: 'tls' }), { code: 'KCH_USAGE', message: /must be one of plaintext, ssl, sasl_plaintext, sasl_ssl, got "tls"/ });
  assert.throws(() => from({ KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext', KAFKA_SASL_MECHANISM: 'GSSAPI', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }), { code: 'KCH_USAGE', message: /PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/ });
  assert.throws(() => from({ KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext', KAFKA_SASL_USERNAME: 'u' }), { code: 'KCH_CONFIG', message: /needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/ });
  assert.throws(() => from({}, ['--kafka-sasl-password', 'x']), { code: 'KCH_USAGE', message: /would show in the process list/ });
  assert.throws(() => clientSecurity(from({ KAFKA_SECURITY_PROTOCOL: 'ssl', KAFKA_CA_FILE: '/nonexistent/ca.pem' })), { code: 'KCH_CONFIG', message: 'KAFKA_CA_FILE names /nonexistent/ca.pem, which cannot be read (ENOENT)' });
});
