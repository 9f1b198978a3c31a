import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitForKafka } from '../../../src/kafka/admin.js';
import { pollUntil } from '../../support/wait.js';
import { alive, startUp } from './fixture.js';
import { onCleanup } from '../../support/cleanup.js';


test('kch up restarts a service killed with SIGKILL, says why, and the service works again', async (t) => {
  const stack = await startUp('supervise', { args: ['--no-generate'] });
  onCleanup(t, () => stack.stop());

  // The kafka service is `kch kafka`, whose broker JVM runs in a process group of its own: killed,
  // the service's watchdog stops that JVM with it, and the restarted service starts a new one.
  const kafka = stack.servicePid('kafka')!;
  const orphan = stack.brokerPid()!;
  assert.ok(kafka && orphan);
  let mark = stack.up.output.length;
  const killedAt = performance.now();
  process.kill(kafka, 'SIGKILL');
  await stack.waitFor(/kafka killed by SIGKILL; restarting in 1 s/, 10_000, mark);
  await stack.waitFor(/kafka restarted \(pid \d+\)/, 10_000, mark);
  await pollUntil('the killed service\'s broker to stop with it', async () => (alive(orphan) ? undefined : true), 40_000);
  await stack.waitFor(/Kafka ready on /, 90_000, mark);
  await waitForKafka(stack.bootstrap, { timeoutMs: 30_000 });
  const kafkaBack = (performance.now() - killedAt) / 1000;
  assert.equal(alive(orphan), false, 'the orphaned broker was stopped');
  assert.notEqual(stack.brokerPid(), orphan);
  assert.notEqual(stack.servicePid('kafka'), kafka);

  // The embedded ClickHouse runs in its service's process: killed, restarted, answering.
  const clickhouse = stack.servicePid('clickhouse')!;
  mark = stack.up.output.length;
  const chKilledAt = performance.now();
  process.kill(clickhouse, 'SIGKILL');
  await stack.waitFor(/clickhouse killed by SIGKILL; restarting in 1 s/, 10_000, mark);
  const client = stack.client();
  await pollUntil('clickhouse to answer again', async () => ((await (await client.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' })).json()).length === 1 ? true : undefined), 90_000);
  const clickhouseBack = (performance.now() - chKilledAt) / 1000;
  assert.notEqual(stack.servicePid('clickhouse'), clickhouse);
  process.stdout.write(`# kafka back ${kafkaBack.toFixed(1)} s after SIGKILL, clickhouse back ${clickhouseBack.toFixed(1)} s after SIGKILL\n`);

  assert.equal(await stack.stop(), 0, 'a clean Ctrl-C after recovered crashes exits 0');
  assert.match(stack.up.output, /every service stopped/);
});

test('a service that keeps dying is given up on and reported, while the others keep running', async (t) => {
  const stack = await startUp('crashloop', { args: ['--rate', '20'] });
  onCleanup(t, () => stack.stop());
  const others = { kafka: stack.servicePid('kafka')!, clickhouse: stack.servicePid('clickhouse')!, broker: stack.brokerPid()! };
  let previous = 0;
  for (let crash = 1; crash <= 5; crash++) {
    const pid = await pollUntil(`generator run ${crash}`, async () => {
      const current = stack.servicePid('generate');
      return current !== undefined && current !== previous ? current : undefined;
    }, 30_000, 100);
    process.kill(pid, 'SIGKILL');
    previous = pid;
    if (crash < 5) await stack.waitFor(new RegExp(`generator killed by SIGKILL; restarting in ${2 ** (crash - 1)} s`), 10_000, stack.up.output.lastIndexOf('generator restarted') + 1);
  }
  await stack.waitFor(/generator killed by SIGKILL and keeps failing: given up on it; the other services keep running/, 10_000);
  assert.equal(stack.servicePid('generate'), undefined, 'not restarted any more');
  for (const [name, pid] of Object.entries(others)) assert.ok(alive(pid), `${name} (pid ${pid}) still running`);
  await waitForKafka(stack.bootstrap, { timeoutMs: 10_000 });
  const client = stack.client();
  assert.ok((await (await client.query({ query: 'SELECT count() AS n FROM sales', format: 'JSONEachRow' })).json()).length === 1);

  assert.equal(await stack.stop(), 1, 'kch up exits 1 when a service was given up on');
});
