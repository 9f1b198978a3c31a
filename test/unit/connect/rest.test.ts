/**
 * The Connect REST client against a stand-in worker (a node:http server answering as Connect
 * does), so the rules are checked without a JVM: the integration test drives a real one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectClient, type ConnectorStatus } from '../../../src/connect/rest.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { freePort } from '../../../src/host/ports.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

async function fakeWorker(t: { after(fn: () => Promise<void> | void): void }, handler: Handler): Promise<string> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    request.on('end', () => handler(request, body, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
}

const running: ConnectorStatus = {
  name: 'pg', connector: { state: 'RUNNING', worker_id: '127.0.0.1:8083' }, tasks: [{ id: 0, state: 'RUNNING', worker_id: '127.0.0.1:8083' }], type: 'source',
};

test('putConfig sends the config as JSON to /connectors/<name>/config and tells a creation from an update', async (t) => {
  const seen: { method?: string; url?: string; body?: unknown }[] = [];
  let exists = false;
  const url = await fakeWorker(t, (request, body, response) => {
    seen.push({ method: request.method, url: request.url, body: JSON.parse(body) as unknown });
    json(response, exists ? 200 : 201, { name: 'pg a', config: {}, tasks: [] });
    exists = true;
  });
  const client = new ConnectClient(`${url}/`);
  assert.deepEqual(await client.putConfig('pg a', { 'tasks.max': '1' }), { created: true });
  assert.deepEqual(await client.putConfig('pg a', { 'tasks.max': '2' }), { created: false });
  assert.deepEqual(seen[0], { method: 'PUT', url: '/connectors/pg%20a/config', body: { 'tasks.max': '1' } });
});

test('a 409 (a rebalance under way) is retried until the worker takes the request', async (t) => {
  let calls = 0;
  const url = await fakeWorker(t, (_request, _body, response) => {
    calls += 1;
    if (calls < 3) json(response, 409, { error_code: 409, message: 'Cannot complete request momentarily due to stale configuration' });
    else json(response, 200, ['b', 'a']);
  });
  assert.deepEqual(await new ConnectClient(url).list(), ['a', 'b']);
  assert.equal(calls, 3);
});

test('a refusal is CONNECT_REQUEST with Connect\'s own message; 404 on status and delete means none', async (t) => {
  const url = await fakeWorker(t, (request, _body, response) => {
    if (request.method === 'PUT') json(response, 400, { error_code: 400, message: 'Connector configuration is invalid and contains 1 error(s)' });
    else json(response, 404, { error_code: 404, message: 'Connector pg not found' });
  });
  const client = new ConnectClient(url);
  await assert.rejects(client.putConfig('pg', {}), (error: unknown) => {
    assert.ok(error instanceof KchError);
    assert.equal(error.code, ErrorCodes.CONNECT_REQUEST);
    assert.match(error.message, /answered PUT \/connectors\/pg\/config with 400: Connector configuration is invalid/);
    assert.equal(error.retriable, false);
    return true;
  });
  assert.equal(await client.status('pg'), undefined);
  assert.equal(await client.config('pg'), undefined);
  assert.equal(await client.delete('pg'), false);
});

test('an unreachable worker is a retriable CONNECT_REQUEST naming its address', async () => {
  const port = await freePort();
  await assert.rejects(new ConnectClient(`http://127.0.0.1:${port}`).info(), (error: unknown) => {
    assert.ok(error instanceof KchError);
    assert.equal(error.code, ErrorCodes.CONNECT_REQUEST);
    assert.equal(error.retriable, true);
    assert.match(error.message, new RegExp(`cannot reach Kafka Connect at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    return true;
  });
});

test('waitForRunning waits for the connector and all its tasks, through UNASSIGNED and a missing connector', async (t) => {
  let calls = 0;
  const url = await fakeWorker(t, (_request, _body, response) => {
    calls += 1;
    if (calls === 1) json(response, 404, { error_code: 404, message: 'not found' });
    else if (calls === 2) json(response, 200, { ...running, tasks: [] });
    else if (calls === 3) json(response, 200, { ...running, tasks: [{ id: 0, state: 'UNASSIGNED', worker_id: 'w' }] });
    else json(response, 200, running);
  });
  assert.deepEqual(await new ConnectClient(url).waitForRunning('pg', { timeoutMs: 10_000 }), running);
  assert.equal(calls, 4);
});

test('waitForRunning ends at once on a FAILED task with its trace\'s first line', async (t) => {
  let calls = 0;
  const url = await fakeWorker(t, (_request, _body, response) => {
    calls += 1;
    json(response, 200, { ...running, tasks: [{ id: 0, state: 'FAILED', worker_id: 'w', trace: 'org.apache.kafka.connect.errors.ConnectException: wal_level is replica\n\tat io.debezium…' }] });
  });
  await assert.rejects(new ConnectClient(url).waitForRunning('pg', { timeoutMs: 30_000 }), (error: unknown) => {
    assert.ok(error instanceof KchError);
    assert.equal(error.code, ErrorCodes.CONNECT_REQUEST);
    assert.equal(error.message, 'connector pg failed (its task 0): org.apache.kafka.connect.errors.ConnectException: wal_level is replica');
    return true;
  });
  assert.equal(calls, 1);
});

test('waitForRunning past its deadline is TIMEOUT saying what it saw last', async (t) => {
  const url = await fakeWorker(t, (_request, _body, response) => json(response, 200, { ...running, tasks: [{ id: 0, state: 'UNASSIGNED', worker_id: 'w' }] }));
  await assert.rejects(new ConnectClient(url).waitForRunning('pg', { timeoutMs: 300 }), (error: unknown) => {
    assert.ok(error instanceof KchError);
    assert.equal(error.code, ErrorCodes.TIMEOUT);
    assert.match(error.message, /last seen: connector RUNNING, tasks UNASSIGNED/);
    return true;
  });
});
