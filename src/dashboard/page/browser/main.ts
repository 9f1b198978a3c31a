/**
 * The dashboard page's script (an ES module, served from the package by the dashboard itself:
 * nothing from the internet). It polls the JSON API every refresh period, draws every panel,
 * and never shows a number silently out of date: a panel that could not refresh says so and
 * dims, and the header names the service that is down.
 *
 * Charts are hand-written SVG over a few DOM helpers, weighed against uPlot 1.6 and Chart.js 4:
 * - size: nothing more to send, where uPlot's ES module is 145 kB (42 kB gzipped) and Chart.js's
 *   509 kB (106 kB), importing a package by name (an import map or a bundler more), against this
 *   whole script's 41 kB (16 kB);
 * - speed: on 10 k points uPlot (canvas) draws in ~70 ms, Chart.js in ~300 ms and these SVG bars
 *   in ~1 s (headless Chromium, 2 shared cores); but the page never draws more than 168 points:
 *   the API buckets every chart (60–120 bars per stream, an hour a bar for sales), and that
 *   takes SVG one frame;
 * - accessibility: every value stays in the DOM, each bar's figures in its tooltip, the chart's
 *   summary in its aria-label and every value in a table for screen readers, where a canvas has
 *   none of these unless they are built beside it; and the tests read the charts' text.
 */
import { Endpoint } from './api.js';
import type { Status } from '../../wire.js';
import type { PipelineHealth } from '../../../health/wire.js';
import { showBanner } from './banner.js';
import { byId } from './dom.js';
import { clock } from './format.js';
import { hourlyPanel } from './hourly.js';
import { levelsPanel } from './levels.js';
import { newestPanel } from './newest.js';
import { ownStreamsPanel } from './own-stream.js';
import type { Panel } from './panel.js';
import { pipelinePanel } from './pipeline.js';
import { rankedPanel } from './ranked.js';
import { servicesOf, showService } from './services.js';
import { tilesPanel } from './tiles.js';

// The markup says what the page shows: a section per panel the streams declare (its stream, id
// and kind), their tiles, a section per stream that declares none, and how often to refresh.
const refreshMs = Number(document.body.dataset.refreshMs) || 5_000;
const elements = (selector: string): HTMLElement[] => [...document.querySelectorAll(selector)].filter((node) => node instanceof HTMLElement);
const pathOf = (declared: string): string => {
  const [stream = '', panel = ''] = declared.split('/');
  return `/api/panel?stream=${encodeURIComponent(stream)}&panel=${encodeURIComponent(panel)}`;
};
const kinds: Readonly<Record<string, (section: HTMLElement, path: string) => Panel>> = {
  hourly: hourlyPanel, ranked: rankedPanel, newest: newestPanel, levels: levelsPanel,
};
const declared = elements('section[data-panel]').flatMap((section) => {
  const draw = kinds[section.dataset.kind ?? ''];
  return draw ? [draw(section, pathOf(`${section.dataset.stream ?? ''}/${section.dataset.panel ?? ''}`))] : [];
});
const tileGroups = [...new Set(elements('article[data-tiles]').map((tile) => tile.dataset.tiles ?? ''))];
const tiles = tileGroups.map((group, i) => tilesPanel(elements('article[data-tiles]').filter((tile) => tile.dataset.tiles === group), pathOf(group), i === 0));
const own = elements('section.own[data-stream]');

const pipeline = pipelinePanel();
const status = new Endpoint<Status>('/api/status');
const panels: Panel[] = [
  ...declared,
  ...tiles,
  pipeline,
  // Drawn by no panel: the banner reads it.
  { endpoint: status, render: () => undefined },
  ...(own.length > 0 ? [ownStreamsPanel(own)] : []),
];
const endpoints = panels.map((p) => p.endpoint);

/** When every request last succeeded. */
let lastFull: Date | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let running = false;

async function refresh(): Promise<void> {
  if (running) return;
  running = true;
  clearTimeout(timer);
  const started = performance.now();
  const controller = new AbortController();
  const abort = setTimeout(() => controller.abort(), Math.max(4_000, refreshMs * 1.8));
  await Promise.all(endpoints.map((e) => e.refresh(controller.signal)));
  clearTimeout(abort);
  for (const panel of panels) {
    try {
      panel.render();
    } catch (error) {
      console.warn(`panel ${panel.endpoint.path} could not render`, error);
    }
  }
  const failed = endpoints.filter((e) => !e.answer?.ok).length;
  const now = new Date();
  if (failed === 0) lastFull = now;
  const answer = pipeline.endpoint.answer;
  const health: PipelineHealth | undefined = answer?.ok ? answer.body : answer?.body?.partial;
  const services = servicesOf(endpoints.flatMap((e) => (e.answer ? [e.answer] : [])), answer, health);
  showService('svc-clickhouse', services.clickhouse);
  showService('svc-kafka', services.kafka);
  showBanner(endpoints, status, services, lastFull);
  const updated = byId('updated', HTMLElement);
  updated.dataset.health = failed === 0 ? 'ok' : failed === endpoints.length ? 'down' : 'partial';
  updated.textContent = failed === 0
    ? `Updated ${clock.format(now)}`
    : `${lastFull ? `Last full update ${clock.format(lastFull)}` : 'No data yet'} · ${failed} of ${endpoints.length} requests failed`;
  // Counted for the browser tests, which wait for a refresh.
  const root = document.documentElement;
  root.dataset.refreshes = String(Number(root.dataset.refreshes ?? 0) + 1);
  running = false;
  timer = setTimeout(() => { void refresh(); }, Math.max(1_000, refreshMs - (performance.now() - started)));
}

document.addEventListener('visibilitychange', () => { if (!document.hidden) void refresh(); });
void refresh();
