/**
 * The dashboard of a pipeline of one's own (no seed stream): its streams come from a pipeline
 * file, `kch generate` feeds them, and the page, in real headless Chromium, shows a card per
 * stream drawn from its fields (events over time, top values, sums, newest rows), and none of
 * the seed's retail panels, with no console error and no failed request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamDescription } from '../../../src/dashboard/panels.js';
import type { StreamPanels } from '../../../src/dashboard/wire.js';
import { pollUntil } from '../../support/wait.js';
import { launchChromium, openWatched } from '../../support/chromium.js';
import { scalar } from '../../support/env.js';
import { getJson, ownPipeline } from './fixture.js';


const NOTE = 'a note longer than the forty characters a cell was cut at before';
const config = `import { defineConfig, defineStream, field } from 'kafka-clickhouse-pipeline';
export default defineConfig({
  streams: [
    defineStream({
      name: 'readings',
      fields: {
        reading_id: field.uuid(),
        at: field.timestamp({ precision: 3, timeZone: 'UTC' }),
        device: field.text({ maxLength: 32, lowCardinality: true }),
        status: field.oneOf(['ok', 'degraded', 'offline']),
        celsius: field.decimal({ precision: 9, scale: 2, min: -50, max: 80 }),
        battery: field.int('UInt8'),
        energy_wh: field.decimal({ precision: 12, scale: 3, min: 0, max: 5000 }).measure(),
        site_city: field.text(64).at('site.city'),
        note: field.text(200),
      },
      id: 'reading_id',
      time: 'at',
      orderBy: ['at', 'reading_id'],
      generate: { device: (r) => \`dev-\${Math.floor(r.next() * 4)}\`, note: () => '${NOTE}' },
    }),
  ],
});
`;

test('a pipeline of one\'s own: a card per stream from its fields, in the API and in Chromium', async (t) => {
  const { client, serve } = await ownPipeline(t, 'dash_own', config, { count: 600, seed: 4, table: 'readings' });
  const dashboard = await serve();

  const api = await getJson<StreamPanels[]>(dashboard.url, '/api/streams?hours=2');
  assert.equal(api.status, 200);
  const [panels] = api.body;
  assert.equal(panels?.stream, 'readings');
  assert.equal(panels.time, 'at');
  assert.equal(panels.rows_in_window, 600);
  assert.equal(panels.events.reduce((sum, [, n]) => sum + n, 0), 600);
  assert.deepEqual(Object.keys(panels.top), ['device', 'status']);
  assert.deepEqual(panels.top.device!.map((d) => d.value).sort(), ['dev-0', 'dev-1', 'dev-2', 'dev-3'], 'the definition\'s generate function drew the devices');
  assert.deepEqual(Object.keys(panels.sums), ['energy_wh'], 'only the measure is summed: not a temperature, not a battery level');
  // A decimal's sum, exactly: as the server's text, not through a float.
  const [{ sum }] = await (await client.query({ query: 'SELECT toString(sum(energy_wh)) AS sum FROM readings', format: 'JSONEachRow' })).json<{ sum: string }>() as [{ sum: string }];
  assert.equal(panels.sums.energy_wh, sum);
  // The chart's window fits the data: from the first reading (seconds ago) in 60 to 120 buckets.
  const first = await scalar(client, 'SELECT toUnixTimestamp(min(at)) FROM readings');
  const buckets = (panels.window_end - panels.window_start) / panels.bucket_seconds + 1;
  assert.ok(buckets >= 60 && buckets <= 120, `${buckets} buckets of ${panels.bucket_seconds} s`);
  assert.ok(panels.window_start <= first && first - panels.window_start < 120, `window from ${panels.window_start}, first reading at ${first}`);
  assert.ok(panels.bucket_seconds <= 2, `a stream seconds old is charted in seconds, not ${panels.bucket_seconds} s`);
  assert.equal(panels.newest.length, 10);
  assert.ok(panels.columns.includes('site_city'));
  assert.equal((await getJson(dashboard.url, '/api/streams?hours=0')).status, 400, 'parameters validated before any query');

  // One stream by name: the name checked against the configured streams before any query.
  const one = await getJson<StreamPanels>(dashboard.url, '/api/stream?stream=readings&hours=2');
  assert.equal(one.status, 200);
  assert.equal(one.body.rows_in_window, 600);
  assert.equal(one.body.sums.energy_wh, sum);
  for (const bad of ['/api/stream?stream=sales', '/api/stream?stream=readings%60', '/api/stream']) {
    const reply = await getJson<{ error: string; code: string }>(dashboard.url, bad);
    assert.equal(reply.status, 400, bad);
    assert.match(reply.body.error, /readings/, 'names the configured streams');
  }
  const described = await getJson<StreamDescription[]>(dashboard.url, '/api/stream_fields');
  assert.equal(described.status, 200);
  assert.deepEqual(described.body.map((d) => [d.name, d.declared, d.time]), [['readings', [], 'at']], 'it declares no panels: its panels are derived from its fields');
  assert.deepEqual(described.body[0]!.panels.top, ['device', 'status']);
  assert.equal(described.body[0]!.fields.find((f) => f.name === 'device')!.type, 'LowCardinality(String)');

  const browser = await launchChromium(t);
  if (!browser) return;
  const { page, problems } = await openWatched(browser, dashboard.url);
  const ready = 'document.querySelector(\'section[data-stream="readings"]\').dataset.state === "ready"';
  const deadline = Date.now() + 20_000;
  while (!(await page.evaluate<boolean>(ready))) {
    if (Date.now() > deadline) assert.fail(`the readings card never became ready: ${problems.join('; ')}`);
    await new Promise((done) => setTimeout(done, 100));
  }
  const seen = await page.evaluate<{ bars: number; readBars: number; barWidth: number; xTicks: string[]; yTitle: string; tops: number; sums: string[]; rows: number; heads: string[]; cut: number; notes: number; seedPanels: number; title: string }>(`(() => {
    const card = document.querySelector('section[data-stream="readings"]');
    return {
      bars: card.querySelectorAll('svg.own-events rect.bar').length,
      readBars: card.querySelectorAll('.own-plot .sr-only table tbody tr').length,
      barWidth: Math.max(...[...card.querySelectorAll('svg.own-events rect.bar')].map((r) => r.getBoundingClientRect().width)),
      xTicks: [...card.querySelectorAll('svg.own-events text.x-tick')].map((t) => t.textContent),
      yTitle: card.querySelector('svg.own-events text.y-title')?.textContent ?? '',
      tops: card.querySelectorAll('.own-top li').length,
      sums: [...card.querySelectorAll('.own-facts dt')].map((dt) => dt.textContent),
      rows: card.querySelectorAll('table.own-rows tbody tr').length,
      heads: [...card.querySelectorAll('table.own-rows th')].map((th) => th.textContent),
      cut: [...card.querySelectorAll('table.own-rows td')].filter((td) => td.textContent.endsWith('…')).length,
      notes: [...card.querySelectorAll('table.own-rows td')].filter((td) => td.textContent === ${JSON.stringify(NOTE)}).length,
      seedPanels: document.querySelectorAll('#panel-sales, #panel-stock, #panel-recent, #panel-warehouses, #kpi-revenue').length,
      title: document.title,
    };
  })()`);
  assert.ok(seen.bars > 0 && seen.bars <= 120, `events drawn as bars: ${seen.bars}`);
  assert.equal(seen.readBars, seen.bars, 'for a screen reader, every bar\'s count in a table');
  assert.ok(seen.barWidth >= 4, `a stream seconds old shows bars a few pixels wide, not one: ${seen.barWidth} px`);
  assert.ok(seen.xTicks.length >= 3 && seen.xTicks.every((t) => /^\d{2}:\d{2}(:\d{2})?$/.test(t)), `time labels on the x axis: ${seen.xTicks.join(', ')}`);
  assert.match(seen.yTitle, /^events \/ (second|\d+ s)$/, 'a labelled y axis');
  assert.equal(seen.tops, 4 + 3, 'the top values of device and status');
  assert.deepEqual(seen.sums, ['Σ energy_wh'], 'the sum of the measure only');
  assert.equal(seen.rows, 10);
  assert.ok(seen.heads.includes('site_city') && seen.heads.includes('processing_time'));
  assert.equal(seen.cut, 0, 'no value cut short');
  assert.equal(seen.notes, 10, 'a long text whole in its cell (wrapped)');
  assert.equal(seen.seedPanels, 0, 'no retail panel without the seed streams');
  assert.equal(seen.title, 'Pipeline · kch dashboard');
  await page.screenshot({ path: 'test-artifacts/dashboard-own-streams.png', fullPage: true }).catch(() => undefined);

  // On a phone the newest rows are wider than the card: the table scrolls, by keyboard too, and
  // stays where it was scrolled to across refreshes, so its last column can be read.
  await page.setViewportSize({ width: 390, height: 844 });
  const refreshes = async (): Promise<number> => Number(await page.evaluate<string>('document.documentElement.dataset.refreshes'));
  let count = await refreshes();
  await pollUntil('a refresh at phone width', async () => ((await refreshes()) > count ? true : undefined), 10_000);
  const scrolled = await page.evaluate<{ overflow: boolean; focusable: boolean; hint: boolean; left: number }>(`(() => {
    const wrap = document.querySelector('section[data-stream="readings"] table.own-rows').parentElement;
    const more = document.querySelector('section[data-stream="readings"] .more');
    wrap.scrollLeft = wrap.scrollWidth;
    return { overflow: wrap.scrollWidth > wrap.clientWidth, focusable: wrap.tabIndex === 0, hint: more !== null && !more.hidden, left: wrap.scrollLeft };
  })()`);
  assert.ok(scrolled.overflow && scrolled.left > 0, 'the rows are wider than a phone, and scroll');
  assert.ok(scrolled.focusable, 'the arrow keys scroll it once focused');
  assert.ok(scrolled.hint, 'the card says there is more to the side');
  count = await refreshes();
  await pollUntil('two more refreshes', async () => ((await refreshes()) > count + 1 ? true : undefined), 15_000);
  const after = await page.evaluate<{ left: number; lastVisible: boolean }>(`(() => {
    const wrap = document.querySelector('section[data-stream="readings"] table.own-rows').parentElement;
    const last = [...wrap.querySelectorAll('th')].pop().getBoundingClientRect();
    const box = wrap.getBoundingClientRect();
    return { left: wrap.scrollLeft, lastVisible: last.right <= box.right + 1 && last.left >= box.left };
  })()`);
  assert.equal(after.left, scrolled.left, 'a refresh keeps the table where it was scrolled to');
  assert.ok(after.lastVisible, 'the last column is in view');
  await page.screenshot({ path: 'test-artifacts/dashboard-own-streams-phone.png', fullPage: true }).catch(() => undefined);
  assert.deepEqual(problems, []);
});
