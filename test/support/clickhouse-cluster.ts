/**
 * A real ClickHouse cluster on this machine for the tests: Apache ZooKeeper (Debian's package,
 * 3.8) and two of Debian's clickhouse-server 18.16, the two replicas of one shard of a cluster
 * named `kch`, each with its own ports, data folder and `{shard}`/`{replica}` macros. Every
 * process is stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDebianClickHouse, type RemoteClickHouse } from './debian-clickhouse.js';
import { freePort } from './ports.js';
import { pollUntil } from './wait.js';

export const ZOOKEEPER_JARS = ['/usr/share/java/zookeeper.jar', '/usr/share/java/zookeeper-jute.jar'];

export interface ClickHouseCluster {
  /** As in system.clusters. */
  readonly name: string;
  /** Each replica's HTTP address. */
  readonly urls: readonly string[];
  readonly servers: readonly RemoteClickHouse[];
  /** host:port of ZooKeeper. */
  readonly zookeeper: string;
  stop(): Promise<void>;
}

/** ZooKeeper's four-letter `ruok`: `imok` once it serves. */
function ruok(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(2000, () => { socket.destroy(); resolve(false); });
    socket.on('connect', () => socket.write('ruok'));
    socket.on('data', (chunk) => { answer += chunk.toString(); });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(answer === 'imok'));
  });
}

async function startZooKeeper(dir: string): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  for (const jar of ZOOKEEPER_JARS) if (!existsSync(jar)) throw new Error(`${jar} is missing: apt-get install zookeeper`);
  const port = await freePort();
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'zoo.cfg'), [
    'tickTime=2000', `dataDir=${join(dir, 'data')}`, `clientPort=${port}`, 'clientPortAddress=127.0.0.1',
    'admin.enableServer=false', '4lw.commands.whitelist=ruok', '',
  ].join('\n'));
  const output = openSync(join(dir, 'zookeeper.log'), 'a');
  const child = spawn('java', ['-Xmx128m', '-cp', ZOOKEEPER_JARS.join(':'), 'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(dir, 'zoo.cfg')],
    { stdio: ['ignore', output, output] });
  closeSync(output);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await pollUntil('ZooKeeper to answer ruok', async () => {
      if (child.exitCode !== null) throw new Error(`ZooKeeper exited with ${child.exitCode}:\n${(await readFile(join(dir, 'zookeeper.log'), 'utf8')).slice(-2000)}`);
      return (await ruok(port)) ? true : undefined;
    }, 60_000, 200);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, child, stop };
}

export async function startClickHouseCluster(name = 'kch'): Promise<ClickHouseCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'kch-chcluster-'));
  const zookeeper = await startZooKeeper(join(dir, 'zookeeper'));
  const servers: RemoteClickHouse[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    await zookeeper.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const nodes = [];
    for (const replica of ['r1', 'r2']) nodes.push({ replica, http: await freePort(), tcp: await freePort(), interserver: await freePort() });
    const remoteServers = `<remote_servers><${name}><shard><internal_replication>true</internal_replication>${
      nodes.map((n) => `<replica><host>127.0.0.1</host><port>${n.tcp}</port></replica>`).join('')}</shard></${name}></remote_servers>`;
    // Both at once: each answers alone, the cluster's DDL queue needs only ZooKeeper.
    const started = await Promise.allSettled(nodes.map((n) => startDebianClickHouse(join(dir, n.replica), {
      http: n.http, tcp: n.tcp,
      extraConfig: [
        remoteServers,
        `<zookeeper><node><host>127.0.0.1</host><port>${zookeeper.port}</port></node></zookeeper>`,
        `<macros><shard>01</shard><replica>${n.replica}</replica></macros>`,
        '<distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>',
        `<interserver_http_port>${n.interserver}</interserver_http_port><interserver_http_host>127.0.0.1</interserver_http_host>`,
      ].join('\n'),
    })));
    for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    await stop();
    throw error;
  }
  return { name, urls: servers.map((s) => s.url), servers, zookeeper: `127.0.0.1:${zookeeper.port}`, stop };
}
