import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess } from './cli.js';
import { DEBIAN_CLICKHOUSE, startDebianClickHouse, type RemoteClickHouse } from './debian-clickhouse.js';
import { freePort } from './ports.js';
import { pollUntil } from './wait.js';

export interface Harness {
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * Starts the services every integration test shares — a Kafka broker and the embedded
 * ClickHouse, through the CLI exactly as users start them, plus Debian's server when present —
 * and returns the environment that points the tests at them.
 */
export async function startHarness(log: (line: string) => void): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'kch-test-'));
  const [kafkaPort, controllerPort, clickhousePort] = [await freePort(), await freePort(), await freePort()];
  const common = { KCH_DATA_DIR: join(dir, 'data'), KCH_HOST: '127.0.0.1' };
  const kafka = new CliProcess(['kafka', '--kafka-port', String(kafkaPort), '--kafka-controller-port', String(controllerPort)], common);
  const clickhouse = new CliProcess(['clickhouse', '--clickhouse-port', String(clickhousePort)], common);
  let remote: RemoteClickHouse | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all([clickhouse.stop(), remote?.stop()]);
    await kafka.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([
      pollUntil('kafka to be ready', async () => {
        if (kafka.child.exitCode !== null) throw new Error(`kch kafka exited:\n${kafka.output}`);
        return /kafka ready/i.test(kafka.output) ? true : undefined;
      }, 240_000),
      pollUntil('clickhouse to be ready', async () => {
        if (clickhouse.child.exitCode !== null) throw new Error(`kch clickhouse exited:\n${clickhouse.output}`);
        return /clickhouse ready/i.test(clickhouse.output) ? true : undefined;
      }, 120_000),
    ]);
    log(`kafka on 127.0.0.1:${kafkaPort} (pid ${kafka.pid}), clickhouse on 127.0.0.1:${clickhousePort} (pid ${clickhouse.pid})`);
    if (existsSync(DEBIAN_CLICKHOUSE)) {
      remote = await startDebianClickHouse(join(dir, 'remote'));
      log(`Debian clickhouse-server on ${remote.url} (pid ${remote.pid})`);
    } else {
      log(`${DEBIAN_CLICKHOUSE} not installed: the remote-server tests will be skipped${process.env.CI ? ' — and fail, since CI must run them' : ''}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    env: {
      KCH_TEST_KAFKA: `127.0.0.1:${kafkaPort}`,
      KCH_TEST_CLICKHOUSE_URL: `http://127.0.0.1:${clickhousePort}`,
      ...(remote ? { KCH_TEST_REMOTE_CLICKHOUSE_URL: remote.url } : {}),
    },
    stop,
  };
}
