/** `kch dashboard` as a command: its options, one clear line when the port is taken, a clean stop, readiness. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import { dashboardCommand } from '../../../src/cli/commands/dashboard.js';
import { resolveOptions } from '../../../src/config/resolve.js';
import { waitForDashboard } from '../../../src/dashboard/probe.js';
import { createLogger } from '../../../src/output/log.js';
import { onCleanup } from '../../support/cleanup.js';
import { CliProcess, runCli } from '../../support/cli.js';
import { services, uniqueName } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';
import { createPipeline } from './fixture.js';

const { kafka, clickhouseUrl } = services();
const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: uniqueName('dash_cli'), KCH_TOPIC_PREFIX: 'dash_cli_' };

/** A port someone else holds, for as long as test `t` runs. */
async function takenPort(t: TestContext): Promise<number> {
  const server = createServer();
  onCleanup(t, () => new Promise((done) => server.close(done)));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

test('the dashboard takes the host, port, ClickHouse and Kafka options, with 127.0.0.1:3000 by default', () => {
  const resolved = resolveOptions(dashboardCommand.options, [], {});
  const flags = dashboardCommand.options.map((o) => o.flag);
  for (const flag of ['host', 'dashboard-port', 'clickhouse-url', 'clickhouse-user', 'clickhouse-password', 'database', 'kafka-brokers', 'topic-prefix']) assert.ok(flags.includes(flag), flag);
  assert.equal(resolved.string(dashboardCommand.options.find((o) => o.flag === 'host')!), '127.0.0.1');
  assert.equal(resolved.string(dashboardCommand.options.find((o) => o.flag === 'dashboard-port')!), '3000');
  assert.equal(resolveOptions(dashboardCommand.options, [], { DASHBOARD_PORT: '3100' }).string(dashboardCommand.options.find((o) => o.flag === 'dashboard-port')!), '3100');
});

test('a port in use is a PORT_IN_USE error that names the port and the option', async (t) => {
  const port = await takenPort(t);
  const options = resolveOptions(dashboardCommand.options, ['--dashboard-port', String(port)], env);
  await assert.rejects(
    dashboardCommand.run({ options, log: createLogger('test', () => undefined), signal: new AbortController().signal, out: () => undefined }),
    { code: 'KCH_PORT_IN_USE', message: new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*--dashboard-port \\(DASHBOARD_PORT\\)`) },
  );
});

test('kch dashboard on a taken port prints one line and exits 1', async (t) => {
  const port = await takenPort(t);
  const result = await runCli(['dashboard', '--dashboard-port', String(port)], env, 60_000);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`^kch dashboard: port ${port} on 127\\.0\\.0\\.1 is already in use[^\\n]*\\n$`));
});

test('kch dashboard serves until SIGTERM, then exits 0', async () => {
  const cli = new CliProcess(['dashboard', '--dashboard-port', '0'], env);
  try {
    const url = await pollUntil('the dashboard to be ready', async () => {
      if (cli.child.exitCode !== null) throw new Error(`kch dashboard exited:\n${cli.output}`);
      return /dashboard ready on (http:\S+)/.exec(cli.output)?.[1];
    }, 30_000);
    const status = await fetch(new URL('/api/status', url));
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { status: string }).status, 'waiting_for_data');
    assert.equal((await fetch(url)).status, 200);
  } finally {
    assert.equal(await cli.stop('SIGTERM', 20_000), 0, cli.output);
  }
});

test('waitForDashboard resolves once /healthz answers, and times out naming the address otherwise', async () => {
  const pipeline = await createPipeline('dash_probe');
  try {
    const dashboard = await pipeline.serve();
    await waitForDashboard(dashboard.url, { timeoutMs: 5_000 });
    const closed = `http://127.0.0.1:${await freePort()}/`;
    await assert.rejects(waitForDashboard(closed, { timeoutMs: 600 }), { code: 'KCH_TIMEOUT', message: new RegExp(`dashboard at ${closed.replace(/[.]/g, '\\.')} did not answer`) });
  } finally {
    await pipeline.drop();
  }
});
