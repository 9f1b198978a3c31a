import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BEGIN, END, mib, num, pct, renderResults, replaceGenerated, table, targets, type BenchResults } from '../../../src/bench/report.js';

const results: BenchResults = {
  label: 'full',
  settings: {},
  notes: ['20 M scaled down to 10 M to fit the time'],
  machine: {
    date: '2026-11-24T21:00:00.000Z', cores: 2, cpuModel: 'Test CPU', memoryGiB: 23.4, kernel: '6.1', node: 'v20.20.2', java: '17.0.15',
    kafka: '4.4.0', clickhouse: '26.7.2.1', kcat: '1.7.1', clients: { '@platformatic/kafka': '1.35.0', kafkajs: '2.2.4', chdb: '3.4.0' }, loadavgAtStart: '1.00 2.00 3.00',
  },
  producer: {
    rows: [
      { client: 'kch generate', what: 'makes', events: 1000, seconds: 1, eventsPerSecond: 60_000, mbPerSecond: 20, inKafka: 1000, loadavg: '1' },
      { client: 'kcat 1.7.1', what: 'ceiling', events: 1000, seconds: 1, eventsPerSecond: 100_000, mbPerSecond: 35, inKafka: 1000, loadavg: '1' },
    ],
    notMeasured: [],
  },
  freshness: {
    settings: {}, pollIntervalMs: 50,
    rows: [{ targetRate: 5000, events: 10, achievedRate: 5000, latencyMs: { count: 10, min: 1, p50: 400, p95: 1200, p99: 1300, max: 1400, mean: 500 }, ackMs: undefined, partsPerSecond: 2, eventsNeverSeen: 0, loadavg: '1' }],
  },
  dashboard: { measured: false, reason: 'not measured: dashboard not yet merged' },
};

test('numbers are grouped by thousands, sizes in MiB, ratios in percent, missing ones as a dash', () => {
  assert.equal(num(1234567), '1,234,567');
  assert.equal(num(1.25, 1), '1.3');
  assert.equal(num(undefined), '—');
  assert.equal(num(Number.NaN), '—');
  assert.equal(mib(2 * 1024 ** 3), '2,048 MiB');
  assert.equal(pct(0.456), '46 %');
  assert.equal(pct(undefined), '—');
});

test('a table escapes pipes in cells', () => {
  assert.equal(table(['a', 'b'], [['1', 'x|y']]), '| a | b |\n| --- | --- |\n| 1 | x\\|y |');
});

test('targets say met, missed or not measured from the figures', () => {
  const rows = targets(results);
  const byName = (start: string) => rows.find((r) => r.target.startsWith(start))!;
  assert.equal(byName('Our producer').met, true);
  assert.match(byName('Our producer').measured, /^60 %/);
  assert.equal(byName('Freshness').met, false);
  assert.match(byName('Freshness').measured, /1,200 ms \(2\.0 parts\/s\)/);
  assert.equal(byName('End-to-end').met, undefined);
  assert.equal(byName('Dashboard').measured, 'not measured: dashboard not yet merged');
});

test('the generated part carries the machine, the targets and each measured section between the markers', () => {
  const md = renderResults(results, 'bench-results/x.json');
  assert.ok(md.startsWith(BEGIN));
  assert.ok(md.endsWith(END));
  assert.match(md, /\| Cores \| 2 × Test CPU \|/);
  assert.match(md, /\| Load average at start \(1, 5, 15 min\) \| 1\.00 2\.00 3\.00 \|/);
  assert.match(md, /### 1\. Producer throughput/);
  assert.match(md, /\| kch generate \| makes \| 1,000 \| 1\.0 \| 60,000 \| 20\.0 \| 60 % \|/);
  assert.match(md, /### 3\. Freshness/);
  assert.match(md, /not measured: dashboard not yet merged/);
  assert.doesNotMatch(md, /### 2\. End-to-end ingest/);
  assert.match(md, /- 20 M scaled down to 10 M/);
});

test('regenerating replaces only the part between the markers', () => {
  const doc = `# Benchmarks\n\nintro\n\n${BEGIN}\nold tables\n${END}\n\n## Analysis\nkept\n`;
  const next = replaceGenerated(doc, `${BEGIN}\nnew tables\n${END}`);
  assert.equal(next, `# Benchmarks\n\nintro\n\n${BEGIN}\nnew tables\n${END}\n\n## Analysis\nkept\n`);
  assert.equal(replaceGenerated('# B\n', `${BEGIN}\nt\n${END}`), `# B\n\n${BEGIN}\nt\n${END}\n`);
});

test('the sustained target is met by a run that held the target rate, though it produced a few events per second less', () => {
  const run = { settings: { kafka: {}, partitions: 1 }, seconds: 60, rate: '150000', generatorEventsPerSecond: 150_000, producedPerSecond: 149_996,
    ingestedPerSecond: 149_652, lagGrowthPerSecond: 343, maxLag: 1000, sustainedPerSecond: 149_996, keptUp: true, drainSeconds: 0.3, inserts: 100,
    cpuPerMillion: {}, cores: {}, timeline: [], loadavg: '1' };
  const held = targets({ ...results, sustained: run }).find((r) => r.target.startsWith('End-to-end'))!;
  assert.equal(held.met, true);
  assert.equal(held.measured, '150,000 events/s held (149,996/s produced)');
  const grew = targets({ ...results, sustained: { ...run, keptUp: false, sustainedPerSecond: 141_000 } })
    .find((r) => r.target.startsWith('End-to-end'))!;
  assert.equal(grew.met, false);
  assert.match(grew.measured, /141,000 events\/s ingested/);
});

test('the sustained section says whether the dashboard ran alongside with a page open, and gives its CPU', () => {
  const run = { settings: { kafka: {}, partitions: 1 }, seconds: 60, rate: '150000', generatorEventsPerSecond: 150_000, producedPerSecond: 150_000,
    ingestedPerSecond: 150_000, lagGrowthPerSecond: 0, maxLag: 1000, sustainedPerSecond: 150_000, keptUp: true, drainSeconds: 0.3, inserts: 100,
    cpuPerMillion: { generator: 2.2, kafka: 0.8, clickhouse: 7.9, dashboard: 0.06 }, cores: { generator: 0.3, kafka: 0.1, clickhouse: 1.2, dashboard: 0.01 },
    page: { refreshes: 13, failed: 0 }, timeline: [], loadavg: '1' };
  const withPage = { ...results, sustained: run as unknown as NonNullable<BenchResults['sustained']> };
  const md = renderResults(withPage, 'bench-results/x.json');
  assert.match(md, /with one page open \(every endpoint every 5 s: 13 refreshes in the headline run, 0 requests failed\)/);
  assert.match(md, /\| 2\.2 \/ 0\.8 \/ 7\.9 \/ 0\.06 \| 0\.30 \/ 0\.10 \/ 1\.20 \/ 0\.01 \|/);
  assert.match(targets(withPage).find((r) => r.target.startsWith('End-to-end'))!.target, /\+ dashboard with a page open/);
  // A stored run from before the dashboard ran alongside says so instead.
  const { page: _page, ...older } = run;
  const without = { ...results, sustained: { ...older, cpuPerMillion: { generator: 2.2, kafka: 0.8, clickhouse: 7.9 } } as unknown as NonNullable<BenchResults['sustained']> };
  assert.match(renderResults(without, 'bench-results/x.json'), /No dashboard ran alongside in this run\./);
  assert.match(renderResults(without, 'bench-results/x.json'), /\| 2\.2 \/ 0\.8 \/ 7\.9 \/ — \|/);
  assert.doesNotMatch(targets(without).find((r) => r.target.startsWith('End-to-end'))!.target, /dashboard/);
});
