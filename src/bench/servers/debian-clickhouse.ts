import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../../host/ports.js';
import { lastLines, spawnServer } from './process.js';
import { PollAbort, pollUntil } from '../../time/poll.js';

export const DEBIAN_CLICKHOUSE = '/usr/sbin/clickhouse-server';

export interface RemoteClickHouse {
  readonly url: string;
  readonly pid: number;
  /** Its native-protocol port (what a cluster's `<remote_servers>` name). */
  readonly tcp: number;
  /** Whether its process is still there. */
  running(): boolean;
  stop(): Promise<void>;
}

/** For one server of a cluster (test/support/clickhouse-cluster.ts): its ports chosen ahead, and more configuration. */
export interface DebianServerOptions {
  readonly http?: number;
  readonly tcp?: number;
  /** XML elements added to the config's root: remote_servers, macros, zookeeper… */
  readonly extraConfig?: string;
}

/**
 * A query over HTTP on a connection of its own, closed after the answer: 18.16 waits some 8 s
 * at SIGTERM for open connections, and fetch() would keep its socket for reuse. Resolves with
 * the HTTP status and body.
 */
export function queryOnce(url: string, query: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/?query=${encodeURIComponent(query)}`, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts Debian's clickhouse-server (18.16) on free ports with its data in `dir`: the "remote
 * server" of the tests. Its config sets auto_offset_reset=smallest, which 18.x needs for a new
 * consumer group to read what was produced before the tables existed (migrate warns users).
 */
export async function startDebianClickHouse(dir: string, options: DebianServerOptions = {}): Promise<RemoteClickHouse> {
  if (!existsSync(DEBIAN_CLICKHOUSE)) throw new Error(`${DEBIAN_CLICKHOUSE} is missing: apt-get install clickhouse-server`);
  const http = options.http ?? await freePort();
  const tcp = options.tcp ?? await freePort();
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'users.xml'), `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`);
  await writeFile(join(dir, 'config.xml'), `<?xml version="1.0"?>
<yandex>
  <logger><level>information</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><console>0</console></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <kafka><auto_offset_reset>smallest</auto_offset_reset></kafka>
${options.extraConfig ?? ''}
</yandex>
`);
  // Its own stderr (librdkafka's assertions among it) goes to a file: error.log misses a crash's cause.
  const server = spawnServer(DEBIAN_CLICKHOUSE, [`--config-file=${join(dir, 'config.xml')}`], join(dir, 'stderr.log'));
  const logs = [join(dir, 'error.log'), join(dir, 'stderr.log')];
  const url = `http://127.0.0.1:${http}`;
  try {
    // Ready when a query answers (not /ping alone, which asks no user): the users config is read too.
    await pollUntil('Debian clickhouse-server to answer SELECT 1', async () => {
      if (server.ended()) throw new PollAbort(`clickhouse-server exited (${server.child.signalCode ?? `exit ${server.child.exitCode}`})`);
      const { status, body } = await queryOnce(url, 'SELECT 1');
      return status === 200 && body.trim() === '1' ? true : undefined;
    }, 60_000);
  } catch (error) {
    await server.stop(10_000);
    throw new Error(`clickhouse-server (pid ${server.pid}, ${dir}) did not start: ${(error as Error).message}\n${await lastLines(logs)}`, { cause: error });
  }
  let stopped = false;
  return {
    url,
    pid: server.pid,
    tcp,
    running: () => !server.ended(),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (server.ended()) {
        // It died during the run: say so, with the end of what it printed, for the failing test's reader.
        process.stderr.write(`[test] Debian clickhouse-server (pid ${server.pid}) ended during the run (${server.child.signalCode ?? `exit ${server.child.exitCode}`})\n${await lastLines(logs, 20)}\n`);
        return;
      }
      await server.stop(60_000);
    },
  };
}
