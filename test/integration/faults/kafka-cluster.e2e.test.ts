/**
 * `kch up --kafka-nodes 3`: three real brokers, a controller quorum of three, topics with three
 * copies of each partition and two needed in sync. The node leading the sales partition is
 * killed with SIGKILL while `kch verify` produces to it: the producer moves to the new leader, no
 * acknowledged event is lost, and `kch status` names the node that is down and the partitions
 * short of copies; then `kch kafka` starts the node again and every partition is fully copied.
 * Once through the Kafka engine and once through `kch sink`, which also writes no event twice.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { withAdmin } from '../../../src/kafka/admin.js';
import { runCli } from '../../support/cli.js';
import { pollUntil } from '../../support/wait.js';
import { alive, arriving, startUp, startVerify, summary, verifiedReport, type UpStack } from './fixture.js';
import { onCleanup } from '../../support/cleanup.js';


function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose next five are free too: node n takes base + 2(n−1) and the one after. */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000) * 2;
    let free = true;
    for (let p = base; p < base + count && free; p++) free = await portFree(p);
    if (free) return base;
  }
  throw new Error('no range of free ports found');
}

function nodePid(dataDir: string, node: number): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'kafka-cluster', `node-${node}`, 'broker.pid'), 'utf8').trim().split(/\s+/)[0]);
    return Number.isSafeInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

// Through the Kafka engine (the default), and through kch sink, which must also write nothing twice.
for (const ingest of ['engine', 'sink'] as const) test(`kch up --kafka-nodes 3${ingest === 'sink' ? ' --ingest sink' : ''}: kill -9 of the broker leading the sales partition while events flow loses no acknowledged event${ingest === 'sink' ? ' and writes none twice' : ''}, and kch status names it`, async (t) => {
  const base = await freeRange(6);
  const stack: UpStack = await startUp(`kcluster${ingest}`, {
    args: ['--no-generate', '--kafka-nodes', '3', ...(ingest === 'sink' ? ['--ingest', 'sink'] : [])],
    env: { KAFKA_PORT: String(base), KAFKA_CONTROLLER_PORT: String(base + 1), KAFKA_HEAP: '256m' },
  });
  onCleanup(t, async () => {
    await stack.stop();
    // A node a failed test left behind lives in its own process group.
    for (const node of [1, 2, 3]) {
      const pid = nodePid(stack.dataDir, node);
      if (pid) process.kill(pid, 'SIGKILL');
    }
  });
  const brokers = [0, 2, 4].map((offset) => `127.0.0.1:${base + offset}`).join(',');
  assert.match(stack.up.output, new RegExp(`kafka +${brokers.replace(/\./g, '\\.')} +local cluster of 3`));
  const env = { ...stack.env, KAFKA_BROKERS: brokers };

  const verify = startVerify(['--count', '20000', '--rate', '1000', '--timeout', '3m'], env);
  onCleanup(t, () => verify.stop());
  await arriving(verify, 2000);

  // Each topic keeps three copies of each partition, one on each node.
  const partitions = await withAdmin(brokers, 'describe topics', async (admin) => {
    const metadata = await admin.metadata({ topics: ['sales', 'warehouse'], autocreateTopics: false });
    return [...metadata.topics].flatMap(([topic, t]) => [...t.partitions.values()].map((p) => ({ topic, replicas: p.replicas.length, leader: p.leader })));
  });
  assert.ok(partitions.length === 2 && partitions.every((p) => p.replicas === 3), `copies per partition: ${JSON.stringify(partitions)}`);

  // The leader the producer is writing to: the hard case (a follower's loss changes nothing for it).
  const node = partitions.find((p) => p.topic === 'sales')!.leader;
  const victim = nodePid(stack.dataDir, node);
  assert.ok(victim, `node ${node} runs`);
  process.kill(victim, 'SIGKILL');
  await stack.waitFor(new RegExp(`Kafka node ${node} \\(pid \\d+\\) was killed`), 30_000);

  const status = await pollUntil('kch status to name the node that is down', async () => {
    const result = await runCli(['status'], { ...env, KCH_DATA_DIR: stack.dataDir }, 60_000);
    const text = result.stdout + result.stderr;
    return new RegExp(`DOWN: broker ${node}`).test(text) && /under-replicated/.test(text) ? text : undefined;
  }, 60_000, 1000);
  assert.match(status, new RegExp(`brokers: .*${node} DOWN`));

  const report = await verifiedReport(verify, 20_000);
  assert.equal(report.present, 20_000);
  assert.equal(report.dedupCount, 20_000);
  if (ingest === 'sink') assert.equal(report.duplicated, 0, 'the sink writes each event once, in the target table itself');
  // kch kafka starts the node again; it catches up from its own log until every copy is in sync.
  const back = Number((await stack.waitFor(new RegExp(`Kafka node ${node} is back \\(pid (\\d+)\\)`), 120_000))[1]);
  assert.notEqual(back, victim, 'a new process');
  await pollUntil('kch status: three brokers up, every partition fully copied', async () => {
    const result = await runCli(['status'], { ...env, KCH_DATA_DIR: stack.dataDir }, 60_000);
    const text = result.stdout + result.stderr;
    return /3 broker\(s\) up/.test(text) && !/DOWN|under-replicated/.test(text) ? text : undefined;
  }, 120_000, 1000);
  summary(`kafka cluster, one of three brokers killed (${ingest})`, {
    acknowledged: report.acknowledged, lost: report.lost, 'duplicated events': report.duplicated,
    'freshness p99 (s)': (report.freshness.p99 / 1000).toFixed(1), 'max (s)': (report.freshness.max / 1000).toFixed(1),
  });
});
