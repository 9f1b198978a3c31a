/**
 * The embedded ClickHouse as `npm start` runs it (the test runner's shared server: `kch clickhouse`
 * with its defaults, no password), attacked from the sides a web page and a query can reach:
 * foreign Origin, DNS-rebound Host, cross-site requests without an Origin, file() and every other
 * way out of the data folder, url() and friends towards another local port — and, beside each,
 * the same kind of request from our own clients still working.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { clickhouse, scalar, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';

const { clickhouseUrl } = services();
const base = new URL(clickhouseUrl);
const client = clickhouse(clickhouseUrl);
const outside = mkdtempSync(join(tmpdir(), 'kch-outside-'));
const database = uniqueName('sec');

/** A local HTTP server standing for "another local port": it counts every request it gets. */
let bystander: Server;
let bystanderHits = 0;
let bystanderPort = 0;

before(async () => {
  bystander = createServer((req, res) => { bystanderHits++; res.end('secret of another local service\n'); });
  await new Promise<void>((resolve) => bystander.listen(0, '127.0.0.1', resolve));
  bystanderPort = (bystander.address() as AddressInfo).port;
  await client.command({ query: `CREATE DATABASE ${database}` });
});

after(async () => {
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
  await client.close();
  await new Promise<void>((resolve) => bystander.close(() => resolve()));
  rmSync(outside, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A raw HTTP request with exactly the headers given (fetch would not let a test set Host). */
function raw(method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ownHost = `${base.hostname}:${base.port}`;

async function tableExists(name: string): Promise<boolean> {
  return (await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}' AND name = '${name}'`)) > 0;
}

/** Runs a query through our client and returns ClickHouse's error text, or fails if it ran. */
async function refused(query: string): Promise<string> {
  try {
    await client.command({ query });
  } catch (error) {
    return String((error as Error).message);
  }
  assert.fail(`the embedded server ran: ${query}`);
}

test('a POST from a page of another origin is refused and its statement does not run', async () => {
  const answer = await raw('POST', '/', { host: ownHost, origin: 'http://evil.example' }, `CREATE TABLE ${database}.from_origin (a UInt8) ENGINE = Memory`);
  assert.equal(answer.status, 403);
  assert.match(answer.body, /ACCESS_DENIED/);
  assert.equal(await tableExists('from_origin'), false);
});

test('a DNS-rebound Host is refused, even with no Origin', async () => {
  const answer = await raw('POST', '/', { host: `evil.example:${base.port}` }, `CREATE TABLE ${database}.from_rebound (a UInt8) ENGINE = Memory`);
  assert.equal(answer.status, 403);
  assert.equal(await tableExists('from_rebound'), false);
  const read = await raw('GET', `/?query=${encodeURIComponent('SELECT 1')}`, { host: `evil.example:${base.port}` });
  assert.equal(read.status, 403);
});

test('a cross-site request without an Origin (an <img>, a no-cors GET) is refused by its Sec-Fetch-Site', async () => {
  const answer = await raw('GET', `/?query=${encodeURIComponent('SELECT 1')}`, { host: ownHost, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' });
  assert.equal(answer.status, 403);
});

test('curl-like requests, our own origin and a typed address still work', async () => {
  const variants: Array<Record<string, string>> = [
    { host: ownHost },
    { host: `localhost:${base.port}` },
    { host: ownHost, origin: `http://${ownHost}` },
    { host: ownHost, 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' },
    { host: ownHost, 'sec-fetch-site': 'same-origin' },
  ];
  for (const headers of variants) {
    const answer = await raw('GET', `/?query=${encodeURIComponent('SELECT 40 + 2')}`, headers);
    assert.equal(answer.status, 200, `${JSON.stringify(headers)}: ${answer.body}`);
    assert.equal(answer.body, '42\n');
  }
  await client.command({ query: `CREATE TABLE ${database}.ours (a UInt8) ENGINE = MergeTree ORDER BY a` });
  await client.insert({ table: `${database}.ours`, values: [{ a: 1 }, { a: 2 }], format: 'JSONEachRow' });
  assert.equal(await scalar(client, `SELECT sum(a) FROM ${database}.ours`), 3);
});

test('file() cannot read or write outside the data folder, by table function, scalar function, engine or path', async () => {
  const target = join(outside, 'written.txt');
  assert.match(await refused(`INSERT INTO FUNCTION file('${target}', 'LineAsString') SELECT 'pwned'`), /ACCESS_DENIED|Not enough privileges|not allowed/);
  assert.equal(existsSync(target), false);
  assert.match(await refused("SELECT * FROM file('/etc/hostname', 'LineAsString')"), /ACCESS_DENIED|Not enough privileges|not allowed/);
  assert.match(await refused("SELECT file('/etc/hostname')"), /file\(\) is not allowed/);
  assert.match(await refused("SELECT `file`('/etc/hostname')"), /file\(\) is not allowed/);
  assert.match(await refused("SELECT * FROM `/etc/hostname`"), /READ ON FILE/);
  assert.match(await refused(`CREATE TABLE ${database}.f (s String) ENGINE = File(LineAsString, '${target}')`), /table engine File is not allowed/);
  assert.equal(existsSync(target), false);
  assert.match(await refused(`CREATE DATABASE ${database}_fs ENGINE = Filesystem('/etc')`), /database engine Filesystem is not allowed/);
  assert.match(await refused(`SELECT 1 INTO OUTFILE '${target}'`), /INTO OUTFILE is not allowed/);
  assert.equal(existsSync(target), false);
});

test('no program runs: executable() and dictionary sources are refused', async () => {
  assert.match(await refused("SELECT * FROM executable('cat /etc/hostname', 'LineAsString', 's String')"), /user scripts folder|Not enough privileges|ACCESS_DENIED/);
  assert.match(await refused(`CREATE DICTIONARY ${database}.d (s String) PRIMARY KEY s SOURCE(EXECUTABLE(command 'cat /etc/hostname' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)`), /CREATE DICTIONARY/);
});

test('url(), remote(), URL tables and HTTP dictionaries cannot reach another local port', async () => {
  const at = `127.0.0.1:${bystanderPort}`;
  assert.match(await refused(`SELECT * FROM url('http://${at}/', 'LineAsString')`), /READ ON URL/);
  assert.match(await refused(`SELECT * FROM remote('${at}', system.one)`), /READ ON REMOTE/);
  assert.match(await refused(`CREATE TABLE ${database}.u (s String) ENGINE = URL('http://${at}/', LineAsString)`), /table engine URL is not allowed/);
  assert.match(await refused(`CREATE DICTIONARY ${database}.h (s String) PRIMARY KEY s SOURCE(HTTP(url 'http://${at}/' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)`), /CREATE DICTIONARY/);
  assert.match(await refused(`SELECT * FROM s3('http://${at}/bucket/key.csv', 'CSV')`), /READ ON S3|not allowed/);
  assert.equal(bystanderHits, 0);
});

const CHROMIUM = '/usr/bin/chromium';

test('in Chromium, a page of another origin cannot create a table through fetch, a form or an image', async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) assert.fail(`${CHROMIUM} is missing: CI must run the browser test (apt-get install chromium)`);
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  const table = (name: string): string => `CREATE TABLE ${database}.${name} (a UInt8) ENGINE = Memory`;
  const target = `http://${ownHost}/`;
  // The attacker's page, served from another origin (another port is another origin).
  const page = `<!doctype html><body>
<form id="f" method="POST" action="${target}" enctype="text/plain" target="sink"><input name="${table('by_form')} --" value=""></form>
<iframe name="sink"></iframe>
<script>
fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', body: ${JSON.stringify(table('by_fetch'))} }).finally(() => { document.title = 'fetched'; });
const img = new Image(); img.src = ${JSON.stringify(`${target}?query=${encodeURIComponent('SELECT 1')}`)};
document.getElementById('f').submit();
</script></body>`;
  const attacker = createServer((_req, res) => { res.setHeader('content-type', 'text/html'); res.end(page); });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const tab = await browser.newPage();
    const statuses: number[] = [];
    tab.on('response', (response) => { if (response.url().startsWith(target)) statuses.push(response.status()); });
    await tab.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
    // The fetch settles either way; the form and the image answer too: wait until all three did.
    await pollUntil('the page\'s three requests to be answered', async () => (statuses.length >= 2 && await tab.title() === 'fetched' ? true : undefined), 20_000);
    assert.ok(statuses.every((s) => s === 403), `statuses seen: ${statuses.join(', ')}`);
    assert.equal(await tableExists('by_fetch'), false);
    assert.equal(await tableExists('by_form'), false);
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => attacker.close(() => resolve()));
  }
});
