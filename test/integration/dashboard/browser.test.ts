/**
 * The page in real headless Chromium (Debian's `chromium`, driven by playwright-core): it loads
 * with no console error and no failed request, every chart draws the data, values move when
 * more events arrive, and a service that goes away shows as such. Screenshots land in
 * test-artifacts/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RecentSale } from '../../../src/dashboard/wire.js';
import type { Dashboard } from '../../../src/dashboard/server.js';
import { freePort } from '../../support/ports.js';
import { createPipeline, getJson, type Pipeline } from './fixture.js';
import { pollUntil } from '../../support/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const present = existsSync(CHROMIUM);

let pipeline: Pipeline | undefined;
let dashboard: Dashboard;
let browser: Browser | undefined;

function requireChromium(t: { skip(message: string): void }): boolean {
  if (present) return true;
  // CI installs it and must run this; a developer without it sees a skip, not a pass.
  if (process.env.CI) assert.fail(`${CHROMIUM} is missing: CI must run the browser test (apt-get install chromium)`);
  t.skip(`${CHROMIUM} is not installed (apt-get install chromium)`);
  return false;
}

before(async () => {
  if (!present) return;
  pipeline = await createPipeline('dash_ui');
  await pipeline.generate(1_500, 31);
  dashboard = await pipeline.serve();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
  await pipeline?.drop();
});

interface Watched {
  readonly page: Page;
  readonly problems: string[];
  readonly requests: string[];
}

async function open(url: string, viewport: { width: number; height: number }, scale = 1): Promise<Watched> {
  const context = await browser!.newContext({ viewport, deviceScaleFactor: scale });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('response', (response) => { if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`); });
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(url);
  return { page, problems, requests };
}

/** Evaluates an expression in the page (a string: this project compiles without the DOM's types). */
async function value<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression);
}

/**
 * Polls an expression until it is truthy. Not page.waitForFunction: that compiles its string in
 * the page, which the page's Content-Security-Policy (rightly) forbids.
 */
async function waitFor(page: Page, expression: string, timeoutMs: number): Promise<void> {
  await pollUntil(expression, async () => ((await value<unknown>(page, expression)) ? true : undefined), timeoutMs, 100);
}

async function refreshes(page: Page): Promise<number> {
  return Number(await value<string | undefined>(page, 'document.documentElement.dataset.refreshes') ?? 0);
}

test('the page loads clean, draws every panel from the data, follows new events, and looks right', { timeout: 180_000 }, async (t) => {
  if (!requireChromium(t) || !pipeline) return;
  const { page, problems, requests } = await open(dashboard.url, { width: 1440, height: 900 });
  await waitFor(page, 'Number(document.documentElement.dataset.refreshes || 0) >= 1', 30_000);
  // One refresh at most to let every panel report (the first may race the consumer's last commit).
  await waitFor(page, '[...document.querySelectorAll(".card")].every((c) => c.dataset.state === "ready")', 15_000);

  // Sales per hour: bars with height and a revenue line.
  const bars = await value<number[]>(page, '[...document.querySelectorAll("#chart-sales rect.bar-qty")].map((r) => Number(r.getAttribute("height")))');
  assert.ok(bars.length >= 1 && bars.every((h) => h > 0), `sales bars ${JSON.stringify(bars)}`);
  assert.ok(await value<boolean>(page, '!!document.querySelector("#chart-sales path.rev-line")?.getAttribute("d")?.includes("L")'));
  // For a screen reader: the chart's summary in its text alternative, every hour's figures in a table that is not seen.
  const hours = (await getJson<{ hours: string[] }>(dashboard.url, '/api/sales')).body.hours.length;
  const alternative = await value<{ label: string; rows: number; area: number }>(page, `(() => {
    const table = document.querySelector("#chart-sales .sr-only table");
    const box = table ? table.parentElement.getBoundingClientRect() : null;
    return { label: document.querySelector("#chart-sales svg").getAttribute("aria-label"), rows: table ? table.tBodies[0].rows.length : 0, area: box ? box.width * box.height : -1 };
  })()`);
  assert.match(alternative.label, new RegExp(`^Sales per hour: [\\d,.\\s]+ items, .+ over ${hours} hours$`));
  assert.equal(alternative.rows, hours, 'a row per hour');
  assert.ok(alternative.area >= 0 && alternative.area <= 1, `read, not seen: ${alternative.area} px²`);
  // Top 5 stock movement, by product name, as the API has them.
  const stock = await getJson<{ products: string[] }>(dashboard.url, '/api/stock');
  const names = await value<string[]>(page, '[...document.querySelectorAll("#chart-stock .bar-row .name")].map((n) => n.firstChild.textContent)');
  assert.deepEqual(names, stock.body.products);
  const widths = await value<number[]>(page, '[...document.querySelectorAll("#chart-stock .meter b")].map((b) => b.getBoundingClientRect().width)');
  assert.equal(widths.length, 10);
  assert.ok(widths.every((w) => w > 0), `stock bars ${JSON.stringify(widths)}`);
  // Warehouses and per-stream health with their sparklines.
  assert.equal(await value<number>(page, 'document.querySelectorAll("#chart-warehouses .bar-row").length'), 6);
  assert.equal(await value<number>(page, 'document.querySelectorAll("#streams .stream .spark path.line").length'), 2);
  // The recent-sales table fills with the newest sales.
  const recent = await getJson<RecentSale[]>(dashboard.url, '/api/recent_sales');
  const cells = await value<string[]>(page, '[...document.querySelectorAll("#recent-table tbody tr td[data-column=product_name]")].map((td) => td.textContent)');
  assert.equal(cells.length, 10);
  assert.deepEqual(new Set(cells), new Set(recent.body.map((s) => s.product_name)));
  assert.match(await value<string>(page, 'document.getElementById("updated").textContent'), /^Updated \d\d:\d\d:\d\d$/);
  assert.equal(await value<string>(page, 'document.getElementById("svc-kafka").dataset.up'), 'yes');
  assert.equal(await value<string>(page, 'document.getElementById("svc-clickhouse").dataset.up'), 'yes');

  // More events: the numbers on the page move within a refresh or two, without a reload.
  const before = await value<string>(page, 'document.querySelector("#kpi-sales .value").textContent');
  const kafkaBefore = await value<string>(page, 'document.querySelector("#streams .stream dd").textContent');
  const refreshed = await refreshes(page);
  await pipeline.generate(400, 32);
  await waitFor(page, `document.querySelector("#kpi-sales .value").textContent !== ${JSON.stringify(before)}`, 20_000);
  await waitFor(page, `document.querySelector("#streams .stream dd").textContent !== ${JSON.stringify(kafkaBefore)}`, 20_000);
  assert.ok(await refreshes(page) > refreshed);
  const sales = (await getJson<{ tables: Record<string, { rows: number }> }>(dashboard.url, '/api/status')).body.tables.sales!.rows;
  await waitFor(page, `document.querySelector("#kpi-sales .value").textContent.replace(/\\D/g, "") === "${sales}"`, 20_000);

  // Settle any animation, then keep the picture.
  await page.waitForTimeout(1_000);
  await mkdir('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true, animations: 'disabled' });

  assert.deepEqual(problems, [], 'no console errors, no failed requests');
  const origin = new URL(dashboard.url).origin;
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:')), [], 'every request stays on this server');
  await page.context().close();
});

test('on a phone the page fits the screen without sideways scrolling', { timeout: 60_000 }, async (t) => {
  if (!requireChromium(t) || !pipeline) return;
  const { page, problems } = await open(dashboard.url, { width: 390, height: 844 }, 2);
  await waitFor(page, '[...document.querySelectorAll(".card")].every((c) => c.dataset.state === "ready")', 30_000);
  assert.ok(await value<boolean>(page, 'document.documentElement.scrollWidth <= window.innerWidth'), 'no horizontal overflow');
  await page.screenshot({ path: 'test-artifacts/dashboard-phone.png', fullPage: true, animations: 'disabled' });
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('with ClickHouse gone the page says so: red pill, banner, panels in their error state', { timeout: 60_000 }, async (t) => {
  if (!requireChromium(t) || !pipeline) return;
  const down = await pipeline.serve({ clickhouse: { url: `http://127.0.0.1:${await freePort()}`, user: 'default', password: '', database: pipeline.database } });
  const { page } = await open(down.url, { width: 1280, height: 900 });
  await waitFor(page, 'Number(document.documentElement.dataset.refreshes || 0) >= 1', 30_000);
  assert.equal(await value<string>(page, 'document.getElementById("svc-clickhouse").dataset.up'), 'no');
  assert.equal(await value<string>(page, 'document.getElementById("svc-kafka").dataset.up'), 'yes');
  assert.match(await value<string>(page, 'document.getElementById("banner").hidden ? "" : document.getElementById("banner").textContent'), /ClickHouse is not answering/);
  for (const id of ['panel-sales', 'panel-stock', 'panel-recent', 'panel-warehouses', 'panel-pipeline']) {
    assert.equal(await value<string>(page, `document.getElementById(${JSON.stringify(id)}).dataset.state`), 'error', id);
  }
  assert.match(await value<string>(page, 'document.querySelector("#panel-sales .msg.error").textContent'), /cannot reach ClickHouse/);
  assert.doesNotMatch(await value<string>(page, 'document.getElementById("updated").textContent'), /^Updated/);
  await page.screenshot({ path: 'test-artifacts/dashboard-clickhouse-down.png', fullPage: true });
  await page.context().close();
});
