import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { pollUntil } from './wait.js';

export const DEBIAN_CLICKHOUSE = '/usr/sbin/clickhouse-server';

export interface RemoteClickHouse {
  readonly url: string;
  readonly pid: number;
  /** Its native-protocol port (what a cluster's `<remote_servers>` name). */
  readonly tcp: number;
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
  const output = openSync(join(dir, 'stderr.log'), 'a');
  const child: ChildProcess = spawn(DEBIAN_CLICKHOUSE, [`--config-file=${join(dir, 'config.xml')}`], { stdio: ['ignore', output, output] });
  closeSync(output);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${http}`;
  await pollUntil('Debian clickhouse-server to answer', async () => {
    if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode}; see ${dir}/error.log`);
    const response = await fetch(`${url}/ping`);
    return response.ok ? true : undefined;
  }, 60_000);
  return {
    url,
    pid: child.pid!,
    tcp,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        // It died during the run: say so, with the end of what it printed, for the failing test's reader.
        const printed = await readFile(join(dir, 'stderr.log'), 'utf8').catch(() => '');
        process.stderr.write(`[test] Debian clickhouse-server (pid ${child.pid}) ended during the run (${child.signalCode ?? `exit ${child.exitCode}`}); last lines of its stderr:\n${printed.split('\n').slice(-20).join('\n')}\n`);
        return;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
