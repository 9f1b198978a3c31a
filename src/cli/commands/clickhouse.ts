import { join, resolve } from 'node:path';
import { options } from '../../config/options.js';
import { parseByteSize } from '../../clickhouse/embedded/byte-size.js';
import { ErrorCodes, KchError } from '../../errors/kch-error.js';
import { defineCommand } from '../shared/command.js';
import { stopWhenSupervisorGone } from '../../host/supervisor.js';

/** `kch clickhouse`: the embedded ClickHouse in the foreground until Ctrl-C / SIGTERM. */
export const clickhouseCommand = defineCommand({
  name: 'clickhouse',
  summary: 'Run ClickHouse (embedded through chdb) in the foreground on its HTTP interface',
  details: [
    'Serves ClickHouse\'s HTTP interface (what @clickhouse/client, curl and the other kch commands use)',
    'from an engine running inside this process; data persists in <data-dir>/clickhouse.',
    'Kafka-engine tables consume inside this process; stopping detaches them so their offsets are',
    'committed, and the next start attaches them again.',
    'Tip: UV_THREADPOOL_SIZE (default 4) bounds how many queries run at the same time.',
  ].join('\n'),
  options: [
    options.host,
    options.clickhousePort,
    options.clickhouseUser,
    options.clickhousePassword,
    options.clickhouseMaxMemory,
    options.dataDir,
  ],
  async run({ options: given, log, signal }) {
    // Started by `kch up`: stop cleanly when it is gone, however it ended (src/host/supervisor.ts).
    stopWhenSupervisorGone(log, signal);
    const port = given.bounded(options.clickhousePort) ?? 8123;
    const maxMemory = parseByteSize(given.requireString(options.clickhouseMaxMemory), '--clickhouse-max-memory (CLICKHOUSE_MAX_MEMORY)');
    const dataDir = join(resolve(given.requireString(options.dataDir)), 'clickhouse');
    const { startEmbeddedClickHouse } = await loadEmbedded();
    const server = await startEmbeddedClickHouse({
      dataDir,
      host: given.requireString(options.host),
      port,
      user: given.requireString(options.clickhouseUser),
      password: given.string(options.clickhousePassword) ?? '',
      maxMemory,
      log,
    });
    log.info(`clickhouse ready on ${server.url} (ClickHouse ${server.version}, pid ${server.pid}, data ${server.dataDir})`);
    if (!signal.aborted) {
      await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
    }
    log.info('stopping clickhouse');
    await server.stop();
    log.info('clickhouse stopped');
    return 0;
  },
});

/**
 * Loaded on demand: the engine is a 540 MB native library that only this command needs, and an
 * optional dependency that the Docker image leaves out.
 */
async function loadEmbedded(): Promise<typeof import('../../clickhouse/embedded/server.js')> {
  try {
    return await import('../../clickhouse/embedded/server.js');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /chdb/.test(String((error as Error).message))) {
      throw new KchError(ErrorCodes.MISSING_TOOL, 'the embedded ClickHouse needs the optional package chdb: run `npm install chdb`, or point --clickhouse-url at a ClickHouse server');
    }
    throw error;
  }
}
