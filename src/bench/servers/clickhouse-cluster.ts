/**
 * A real ClickHouse cluster on this machine for the tests: Apache ZooKeeper (Debian's package,
 * 3.8) and two of Debian's clickhouse-server 18.16 (test/support/debian-clickhouse.ts), either
 * the two replicas of one shard of a cluster named `kch` or (`shards: 2`) two shards of one
 * replica each, each server with its own ports, data folder and `{shard}`/`{replica}` macros.
 * Every process is stopped by its PID.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryOnce, startDebianClickHouse, type RemoteClickHouse } from './debian-clickhouse.js';
import { freePort } from '../../host/ports.js';
import { lastLines, spawnServer } from './process.js';
import { PollAbort, pollUntil } from '../../time/poll.js';

export const ZOOKEEPER_JARS = ['/usr/share/java/zookeeper.jar', '/usr/share/java/zookeeper-jute.jar'];
/** ZooKeeper logs through SLF4J; without a binding it prints nothing. Debian ships this one beside slf4j-api. */
const SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar';

export interface ClickHouseClusterOptions {
  /** The cluster's name in `<remote_servers>`. @default 'kch' */
  readonly name?: string;
  /** 1: one shard, every server its replica; 2: two shards of one server each. @default 1 */
  readonly shards?: 1 | 2;
  /** How many servers (one: a cluster of one replica, as a baseline). @default 2 */
  readonly servers?: 1 | 2;
}

export interface ClickHouseCluster {
  /** As in system.clusters. */
  readonly name: string;
  /** Each replica's HTTP address, replica 1 first. */
  readonly urls: readonly string[];
  readonly servers: readonly RemoteClickHouse[];
  /** host:port of ZooKeeper. */
  readonly zookeeper: string;
  stop(): Promise<void>;
}

/** One of ZooKeeper's four-letter words, and its answer ('' when it closes without one, undefined when it cannot be reached). */
function fourLetterWord(port: number, word: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk) => { answer += chunk.toString(); });
    socket.on('error', () => { answer = ''; });
    socket.on('close', (hadError) => resolve(hadError ? undefined : answer));
  });
}

interface ZooKeeper { readonly port: number; readonly log: string; stop(): Promise<void> }

async function startZooKeeper(dir: string): Promise<ZooKeeper> {
  for (const jar of ZOOKEEPER_JARS) if (!existsSync(jar)) throw new Error(`${jar} is missing: apt-get install zookeeper`);
  const port = await freePort();
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'zoo.cfg'), [
    'tickTime=2000', `dataDir=${join(dir, 'data')}`, `clientPort=${port}`, 'clientPortAddress=127.0.0.1',
    'admin.enableServer=false', '4lw.commands.whitelist=ruok,srvr', '',
  ].join('\n'));
  const log = join(dir, 'zookeeper.log');
  const classPath = [...ZOOKEEPER_JARS, ...(existsSync(SLF4J_SIMPLE) ? [SLF4J_SIMPLE] : [])].join(':');
  const server = spawnServer('java', [
    '-Xmx128m', '-Xms32m', '-cp', classPath,
    '-Dorg.slf4j.simpleLogger.showDateTime=true', '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
    'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(dir, 'zoo.cfg'),
  ], log);
  const stop = (): Promise<void> => server.stop(20_000);
  try {
    // Not `ruok`: ZooKeeper answers imok once its port is bound, some 100 ms before it serves
    // sessions. A clickhouse-server 18.16 whose first handshake falls in that gap has its DDL
    // worker fail, and the next ON CLUSTER query makes it crash (SIGSEGV in ZooKeeper::createImpl).
    // `srvr` says "not currently serving requests" until it does, then names its mode.
    await pollUntil('ZooKeeper to serve (srvr)', async () => {
      if (server.ended()) throw new PollAbort(`ZooKeeper exited (${server.child.signalCode ?? `exit ${server.child.exitCode}`})`);
      return /^Mode: /m.test(await fourLetterWord(port, 'srvr') ?? '') ? true : undefined;
    }, 60_000, 100);
  } catch (error) {
    await stop();
    throw new Error(`ZooKeeper (pid ${server.pid}) did not start: ${(error as Error).message}\n${await lastLines([log])}`, { cause: error });
  }
  return { port, log, stop };
}

/** Starts ZooKeeper, then both replicas; resolves once each replica answers and reaches ZooKeeper. */
export async function startClickHouseCluster(options: ClickHouseClusterOptions = {}): Promise<ClickHouseCluster> {
  const name = options.name ?? 'kch';
  if (!/^\w+$/.test(name)) throw new Error(`a cluster name is an XML element here: ${JSON.stringify(name)} will not do`);
  const dir = await mkdtemp(join(tmpdir(), 'kch-chcluster-'));
  const servers: RemoteClickHouse[] = [];
  let zookeeper: ZooKeeper | undefined;
  /** Once both answer: a later failure's message needs their logs (a failed start's has its own). */
  let serversStarted = false;
  const stopProcesses = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    await zookeeper?.stop();
  };
  try {
    zookeeper = await startZooKeeper(join(dir, 'zookeeper'));
    const zookeeperPort = zookeeper.port;
    const nodes: { replica: string; shard: string; http: number; tcp: number; interserver: number }[] = [];
    const shards = options.shards ?? 1;
    if (shards === 2 && options.servers === 1) throw new Error('two shards need two servers');
    for (const [i, replica] of ['r1', 'r2'].slice(0, options.servers ?? 2).entries()) nodes.push({ replica, shard: shards === 1 ? '01' : `0${i + 1}`, http: await freePort(), tcp: await freePort(), interserver: await freePort() });
    const shard = (members: typeof nodes): string => `<shard><internal_replication>true</internal_replication>${
      members.map((n) => `<replica><host>127.0.0.1</host><port>${n.tcp}</port></replica>`).join('')}</shard>`;
    const remoteServers = `<remote_servers><${name}>${shards === 1 ? shard(nodes) : nodes.map((n) => shard([n])).join('')}</${name}></remote_servers>`;
    // Both at once: each answers alone, the cluster's DDL queue needs only ZooKeeper.
    const started = await Promise.allSettled(nodes.map((n) => startDebianClickHouse(join(dir, n.replica), {
      http: n.http, tcp: n.tcp,
      extraConfig: [
        remoteServers,
        `<zookeeper><node><host>127.0.0.1</host><port>${zookeeperPort}</port></node></zookeeper>`,
        `<macros><shard>${n.shard}</shard><replica>${n.replica}</replica></macros>`,
        '<distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>',
        `<interserver_http_port>${n.interserver}</interserver_http_port><interserver_http_host>127.0.0.1</interserver_http_host>`,
      ].join('\n'),
    })));
    for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
    const failures = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length) throw new Error(failures.map((f) => (f.reason as Error).message).join('\n'), { cause: failures[0]!.reason });
    serversStarted = true;
    // Each replica through ZooKeeper: its DDL worker makes the queue's node at start.
    await Promise.all(servers.map((s, i) => pollUntil(`replica ${i + 1} (${s.url}) to see the DDL queue in ZooKeeper`, async () => {
      if (!s.running()) throw new PollAbort(`clickhouse-server (pid ${s.pid}) exited`);
      const query = "SELECT count() FROM system.zookeeper WHERE path = '/clickhouse/task_queue' AND name = 'ddl'";
      const { status, body } = await queryOnce(s.url, query);
      if (status !== 200) throw new Error(body.slice(0, 300));
      return body.trim() === '1' ? true : undefined;
    }, 60_000)));
  } catch (error) {
    await stopProcesses();
    // ZooKeeper's log unless its own failure already carries it; the servers' once they had started.
    const logs = [...(zookeeper ? [zookeeper.log] : []), ...(serversStarted ? servers.map((_, i) => join(dir, `r${i + 1}`, 'error.log')) : [])];
    const message = `the ClickHouse cluster did not start: ${(error as Error).message}\n${await lastLines(logs)}`;
    await rm(dir, { recursive: true, force: true });
    throw new Error(message, { cause: error });
  }
  return {
    name,
    urls: servers.map((s) => s.url),
    servers,
    zookeeper: `127.0.0.1:${zookeeper.port}`,
    async stop() {
      await stopProcesses();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
