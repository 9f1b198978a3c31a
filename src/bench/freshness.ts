/**
 * Measurement 3: freshness at fixed rates. Our generator (the same `generate` loop and producer
 * `kch generate` runs, in this process) sends at a fixed rate; each event's send time is the time
 * its batch was handed to the producer. A poller counts the rows of each target table every 50 ms.
 * With one partition per topic the Kafka engine writes a topic's events in offset order, so the
 * k-th event sent to a topic is queryable at the first poll that counts k rows in its table:
 * latency = that poll's time − send time (±50 ms of poll granularity, plus the poll's own time).
 * Parts written per second come from the tables' block numbers (one block per insert).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createLogger } from '../output/log.js';
import { createProducer } from '../kafka/producer.js';
import { generate } from '../generator/run.js';
import { streams } from '../pipeline/streams/index.js';
import { createPipeline, createTopics, dropPipeline, insertsSoFar, pipelineNamed, query, type Stack } from './stack.js';
import { distribution, visibleAt, type Distribution } from './stats.js';
import type { TuningSettings } from './ingest.js';

export interface FreshnessRow {
  readonly targetRate: number;
  /** Events sent in the measured window, and the rate they were sent at. */
  readonly events: number;
  readonly achievedRate: number;
  /** Produce → queryable, ms. */
  readonly latencyMs: Distribution | undefined;
  /** Produce → broker acknowledgement, ms. */
  readonly ackMs: Distribution | undefined;
  /** Inserts (new parts) into the target tables per second. */
  readonly partsPerSecond: number;
  readonly eventsNeverSeen: number;
  readonly loadavg: string;
}

export interface FreshnessResult {
  readonly settings: TuningSettings;
  readonly pollIntervalMs: number;
  readonly rows: readonly FreshnessRow[];
}

const POLL_MS = 50;

export async function measureFreshness(stack: Stack, rates: readonly number[], seconds: number, seed: number, tuning: TuningSettings,
  log: (line: string) => void, loadavg: () => string): Promise<FreshnessResult> {
  const rows: FreshnessRow[] = [];
  const quiet = createLogger('bench');
  for (const rate of rates) {
    const load = loadavg();
    const pipeline = pipelineNamed(`bench_fresh_${rate}_${Date.now().toString(36)}`);
    await createTopics(stack, pipeline, tuning.partitions ?? 1);
    await createPipeline(stack, pipeline, tuning);
    await delay(1500);
    const tableOf = new Map(streams.map((s) => [`${pipeline.topicPrefix}${s.topic}`, s.target]));
    const sent = new Map<string, number[]>([...tableOf.values()].map((t) => [t, []]));
    const acked = new Map<string, number[]>([...tableOf.values()].map((t) => [t, []]));
    const polls = new Map<string, Array<[number, number]>>([...tableOf.values()].map((t) => [t, []]));

    const producer = createProducer({ bootstrap: stack.bootstrap, clientId: 'bench-freshness', log: quiet });
    const sink = {
      async send(batch: { topic: string; value: Buffer }[]): Promise<void> {
        const at = performance.now();
        const positions: Array<[string, number]> = [];
        for (const m of batch) {
          const table = tableOf.get(m.topic)!;
          const list = sent.get(table)!;
          list.push(at);
          positions.push([table, list.length - 1]);
        }
        await producer.send(batch);
        const ackAt = performance.now();
        for (const [table, i] of positions) acked.get(table)![i] = ackAt;
      },
    };

    let polling = true;
    const poller = (async () => {
      const sql = `SELECT ${[...tableOf.values()].map((t) => `(SELECT count() FROM ${pipeline.database}.${t})`).join(', ')} FORMAT TabSeparated`;
      while (polling) {
        const before = performance.now();
        try {
          const counts = (await query(stack.clickhouseUrl, sql)).trim().split('\t').map(Number);
          // The rows were there when the query read them: somewhere between its start and its
          // answer; the start is the conservative side only if the answer came fast, so take the midpoint.
          const at = (before + performance.now()) / 2;
          [...tableOf.values()].forEach((t, i) => polls.get(t)!.push([at, counts[i] ?? 0]));
        } catch {
          // a failed poll is just a gap
        }
        const spent = performance.now() - before;
        if (spent < POLL_MS) await delay(POLL_MS - spent);
      }
    })();

    const warmMs = 3000;
    const started = performance.now();
    const insertsAt: number[] = [];
    const warmTimer = setTimeout(() => { void insertsSoFar(stack, pipeline).then((n) => insertsAt.push(n, performance.now())); }, warmMs);
    const report = await generate({ streams, sink, pace: { kind: 'rate', perSecond: rate }, seed, topicPrefix: pipeline.topicPrefix, durationMs: warmMs + seconds * 1000, log: quiet });
    clearTimeout(warmTimer);
    await producer.close();
    const endedAt = performance.now();
    const insertsEnd = await insertsSoFar(stack, pipeline);
    const insertsEndAt = performance.now();
    // Let the last events arrive.
    const totals = new Map([...sent].map(([t, list]) => [t, list.length]));
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline && [...totals].some(([t, n]) => (polls.get(t)!.at(-1)?.[1] ?? 0) < n)) await delay(100);
    polling = false;
    await poller;

    const latencies: number[] = [];
    const acks: number[] = [];
    let never = 0;
    let events = 0;
    const windowFrom = started + warmMs;
    for (const [table, list] of sent) {
      const tablePolls = polls.get(table)!;
      const tableAcks = acked.get(table)!;
      list.forEach((at, i) => {
        if (at < windowFrom) return;
        events++;
        const visible = visibleAt(tablePolls, i + 1);
        if (visible === undefined) { never++; return; }
        latencies.push(visible - at);
        const ack = tableAcks[i];
        if (ack !== undefined) acks.push(ack - at);
      });
    }
    const measuredSeconds = (endedAt - windowFrom) / 1000;
    const [insertsStart = 0, insertsStartAt = windowFrom] = insertsAt;
    const row: FreshnessRow = {
      targetRate: rate, events, achievedRate: events / measuredSeconds,
      latencyMs: distribution(latencies), ackMs: distribution(acks),
      partsPerSecond: (insertsEnd - insertsStart) / ((insertsEndAt - insertsStartAt) / 1000),
      eventsNeverSeen: never, loadavg: load,
    };
    rows.push(row);
    log(`freshness ${rate}/s: sent ${report.total}, p50 ${row.latencyMs?.p50.toFixed(0)} ms, p95 ${row.latencyMs?.p95.toFixed(0)} ms, p99 ${row.latencyMs?.p99.toFixed(0)} ms, ${row.partsPerSecond.toFixed(2)} parts/s${never ? `, ${never} never seen` : ''}`);
    await dropPipeline(stack, pipeline);
  }
  return { settings: tuning, pollIntervalMs: POLL_MS, rows };
}
