/**
 * ClickHouse over https:// with a certificate from a private CA: refused in one clear line until
 * CLICKHOUSE_CA_FILE (or kch verify's --clickhouse-ca-file) names the CA, then every command works.
 * The https server is a TLS front for the shared embedded ClickHouse.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createServer } from 'node:tls';
import type { VerifyReport } from '../../../src/verify/report.js';
import { runCli } from '../../support/cli.js';
import { services, uniqueName } from '../../support/env.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();

async function tlsFront(t: TestContext): Promise<{ url: string; ca: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kch-tls-'));
  onCleanup(t, () => rmSync(dir, { recursive: true, force: true }));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const backend = new URL(clickhouseUrl);
  const sockets = new Set<Socket>();
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (client) => {
    const upstream = connect(Number(backend.port), backend.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = (): void => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  onCleanup(t, () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(resolve); }));
  return { url: `https://127.0.0.1:${port}`, ca: cert };
}

test('ClickHouse over https with a private CA: one clear line without the CA, every command with it', async (t) => {
  const { url, ca } = await tlsFront(t);
  const refused = await runCli(['query', 'SELECT 1'], { CLICKHOUSE_URL: url, CLICKHOUSE_CA_FILE: '' });
  assert.equal(refused.code, 1, refused.stderr);
  assert.equal(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, /^kch query: ClickHouse at https:\/\/127\.0\.0\.1:\d+ presented a certificate this machine does not trust \([A-Z_]+\); set CLICKHOUSE_CA_FILE to the PEM of its certificate authority/);

  const answered = await runCli(['query', 'SELECT 42 AS answer', '--format', 'TSV'], { CLICKHOUSE_URL: url, CLICKHOUSE_CA_FILE: ca });
  assert.equal(answered.stdout, '42\n', answered.stderr);

  const database = uniqueName('https');
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: url, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: `${database}_` };
  const migrated = await runCli(['migrate'], { ...env, CLICKHOUSE_CA_FILE: ca });
  assert.equal(migrated.code, 0, migrated.stderr);
  onCleanup(t, () => runCli(['query', `DROP DATABASE IF EXISTS ${database}`], { CLICKHOUSE_URL: clickhouseUrl }));
  const verified = await runCli(['verify', '--count', '1000', '--rate', '1000', '--timeout', '60s', '--json', '--clickhouse-ca-file', ca], { ...env, CLICKHOUSE_CA_FILE: '' });
  assert.equal(verified.code, 0, verified.stderr);
  const report = JSON.parse(verified.stdout.trim().split('\n').pop()!) as VerifyReport;
  assert.equal(report.lost, 0);
  assert.equal(report.present, 1000);
});
