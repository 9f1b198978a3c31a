/**
 * Real processes to break: `kch up` with its own ports and data folder, and helpers to find,
 * kill and wait for its services. Every process is stopped by its PID in `stop()`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { ClickHouseClient } from '@clickhouse/client';
import { CliProcess } from '../../support/cli.js';
import { createClickHouse } from '../../../src/clickhouse/client.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';

export interface UpStack {
  readonly up: CliProcess;
  readonly dataDir: string;
  readonly bootstrap: string;
  readonly clickhouseUrl: string;
  /** Environment for other kch commands against this stack. */
  readonly env: Record<string, string>;
  client(database?: string): ClickHouseClient;
  /** The PID of the service's `kch <name>` process right now (undefined while it is down). */
  servicePid(name: string): number | undefined;
  /** The local broker's JVM (from its pid file). */
  brokerPid(): number | undefined;
  /** Waits for the output to match `pattern` after character `from`. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpExecArray>;
  stop(): Promise<number | null>;
}

export interface UpOptions {
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Use this Kafka instead of starting one. */
  readonly externalKafka?: string;
}

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Children of `parent` whose command line contains `kch <command>` (node main.js <command>). */
export function childrenRunning(parent: number, command: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[1]?.endsWith('main.js') && argv[2] === command) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export async function startUp(name: string, options: UpOptions = {}): Promise<UpStack> {
  const dataDir = await mkdtemp(join(tmpdir(), `kch-${name}-`));
  const ports = { kafka: await freePort(), controller: await freePort(), clickhouse: await freePort(), dashboard: await freePort() };
  const bootstrap = options.externalKafka ?? `127.0.0.1:${ports.kafka}`;
  const clickhouseUrl = `http://127.0.0.1:${ports.clickhouse}`;
  const up = new CliProcess(['up', ...(options.args ?? [])], {
    KCH_DATA_DIR: dataDir,
    KAFKA_PORT: String(ports.kafka),
    KAFKA_CONTROLLER_PORT: String(ports.controller),
    CLICKHOUSE_PORT: String(ports.clickhouse),
    DASHBOARD_PORT: String(ports.dashboard),
    KAFKA_BROKERS: options.externalKafka ?? '',
    CLICKHOUSE_URL: '',
    ...options.env,
  });
  const clients: ClickHouseClient[] = [];
  const stack: UpStack = {
    up, dataDir, bootstrap, clickhouseUrl,
    env: { KAFKA_BROKERS: bootstrap, CLICKHOUSE_URL: clickhouseUrl, ...(options.env?.KCH_TOPIC_PREFIX ? { KCH_TOPIC_PREFIX: options.env.KCH_TOPIC_PREFIX } : {}) },
    client(database = 'default') {
      // The project's client: it reports failures to the caller instead of logging each retry.
      const client = createClickHouse({ url: clickhouseUrl, user: 'default', password: '', database, requestTimeoutMs: 10_000 });
      clients.push(client);
      return client;
    },
    servicePid(service) {
      return childrenRunning(up.pid, service)[0];
    },
    brokerPid() {
      try {
        const pid = Number(readFileSync(join(dataDir, 'kafka', 'broker.pid'), 'utf8').trim().split(/\s+/)[0]);
        return Number.isSafeInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
      } catch {
        return undefined;
      }
    },
    waitFor(pattern, timeoutMs = 120_000, from = 0) {
      return pollUntil(`kch up output to match ${pattern}`, async () => {
        const match = pattern.exec(up.output.slice(from));
        if (match) return match;
        if (up.child.exitCode !== null) throw new Error(`kch up exited with ${up.child.exitCode}:\n${up.output.slice(-3000)}`);
        return undefined;
      }, timeoutMs);
    },
    async stop() {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      const code = await up.stop('SIGINT', 120_000);
      // Whatever a failed test left behind (a broker JVM lives in its own process group).
      const broker = stack.brokerPid();
      if (broker) process.kill(broker, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
  try {
    await stack.waitFor(/pipeline running/, 240_000);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/** A `kch clickhouse` of the test's own, ready. */
export async function startClickHouse(dataDir: string, port: number, env: Record<string, string> = {}): Promise<CliProcess> {
  const server = new CliProcess(['clickhouse', '--clickhouse-port', String(port)], { KCH_DATA_DIR: dataDir, ...env });
  await pollUntil('clickhouse ready', async () => {
    if (server.child.exitCode !== null) throw new Error(server.output);
    return /clickhouse ready/.test(server.output) ? true : undefined;
  }, 120_000);
  return server;
}

/** Messages in the pipeline's topics not yet committed by ClickHouse's consumer groups. */
export async function lagOf(bootstrap: string, topicPrefix: string): Promise<{ lag: number; committed: number; end: number }> {
  const { committedOffsets, listEndOffsets } = await import('../../../src/kafka/admin.js');
  const { groupOf, topicOf } = await import('../../../src/pipeline/resolve.js');
  const { streams } = await import('../../../src/pipeline/streams/index.js');
  let committed = 0;
  let end = 0;
  for (const stream of streams) {
    const topic = topicOf(stream, { topicPrefix });
    const ends = (await listEndOffsets(bootstrap, [topic])).get(topic) ?? new Map<number, bigint>();
    const done = (await committedOffsets(bootstrap, groupOf(stream, { topicPrefix }), [topic])).get(topic) ?? new Map<number, bigint>();
    for (const [partition, offset] of ends) {
      end += Number(offset);
      committed += Number(done.get(partition) ?? 0n);
    }
  }
  return { lag: end - committed, committed, end };
}

/** `kch verify … --json` running in the background. */
export function startVerify(args: readonly string[], env: Record<string, string>): CliProcess {
  return new CliProcess(['verify', '--json', ...args], env);
}

/** The JSON report a `kch verify --json` printed. */
export function reportFrom(output: string): import('../../../src/verify/report.js').VerifyReport {
  const line = output.split('\n').reverse().find((l) => l.startsWith('{"run"'));
  if (!line) throw new Error(`no verify report in:\n${output.slice(-3000)}`);
  return JSON.parse(line) as import('../../../src/verify/report.js').VerifyReport;
}

/**
 * Waits for `kch verify` to finish (a deadline of its own: a producer that stalls fails the test
 * instead of hanging the suite) and holds it to what every fault test asks: it passed, every
 * event was acknowledged, none is lost. Returns the report for the test's own assertions.
 */
export async function verifiedReport(verify: CliProcess, acknowledged: number): Promise<import('../../../src/verify/report.js').VerifyReport> {
  const code = await pollUntil('kch verify to finish', async () => verify.child.exitCode ?? undefined, 300_000, 500);
  assert.equal(code, 0, verify.output.slice(-4000));
  const report = reportFrom(verify.output);
  assert.equal(report.acknowledged, acknowledged);
  assert.equal(report.lost, 0, `lost: ${report.lostSample.join(', ')}`);
  return report;
}

/** Waits until verify's progress shows events arriving in ClickHouse. */
export function arriving(verify: CliProcess, atLeast = 1): Promise<number> {
  return pollUntil('events arriving in ClickHouse', async () => {
    if (verify.child.exitCode !== null) throw new Error(`verify exited early:\n${verify.output}`);
    const counts = [...verify.output.matchAll(/in ClickHouse (\d+)/g)].map((m) => Number(m[1]));
    const last = counts[counts.length - 1] ?? 0;
    return last >= atLeast ? last : undefined;
  }, 60_000, 200);
}

export function summary(name: string, facts: Record<string, string | number>): void {
  process.stdout.write(`# ${name}: ${Object.entries(facts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
}
