import { flags, options, type OptionSpec } from '../../config/options.js';
import type { ResolvedOptions } from '../../config/resolve.js';
import { parseByteSize } from '../../clickhouse/embedded/byte-size.js';
import { parseHeap } from '../../kafka/broker.js';
import { loadPipelineConfig } from '../../config/pipeline-file.js';
import { exampleTable, runStack } from '../../stack/up.js';
import { watchParent } from '../../host/parent.js';
import { ignoreOutputErrors } from '../../host/supervisor.js';
import { defineCommand } from '../shared/command.js';
import { clickhouseCommand } from './clickhouse.js';
import { dashboardCommand } from './dashboard.js';
import { generateCommand } from './generate.js';
import { sinkCommand } from './sink.js';
import { ingestOf } from '../../pipeline/plan.js';
import { ingestFrom } from '../shared/connections.js';
import { connectCommand } from './connect.js';
import { kafkaCommand } from './kafka.js';
import { migrateCommand } from './migrate.js';

/**
 * Every setting of the services `kch up` starts (the ones with an environment variable: not
 * `kch kafka --fetch-only` or `kch migrate --dry-run`), so that whatever one of them takes,
 * `kch up` takes too and passes on through the environment: `--kafka-heap`, `--consumers`,
 * `--clickhouse-max-memory`, `--bad-ratio`, … Taken from the commands themselves, so a setting
 * added to a service cannot be forgotten here.
 */
const serviceSettings: readonly OptionSpec[] = (() => {
  // `kch kafka --nodes` is `kch up --kafka-nodes`: one setting, KAFKA_NODES, named for the stack.
  const byFlag = new Map<string, OptionSpec>([[options.kafkaNodes.flag, options.kafkaNodes]]);
  const envs = new Set<string>([options.kafkaNodes.env]);
  for (const command of [kafkaCommand, connectCommand, clickhouseCommand, migrateCommand, sinkCommand, dashboardCommand, generateCommand]) {
    for (const spec of command.options) {
      if (spec.env !== undefined && !byFlag.has(spec.flag) && !envs.has(spec.env)) byFlag.set(spec.flag, spec);
    }
  }
  return [...byFlag.values()];
})();

/** Set by `kch up` itself for every service, from the values below. */
const setByStack = new Set<OptionSpec>([
  options.kafkaBrokers, options.clickhouseUrl, options.host, options.kafkaPort, options.kafkaControllerPort, options.kafkaNodes,
  options.clickhousePort, options.dashboardPort, options.connectPort, options.dataDir, options.cacheDir,
]);

export const upCommand = defineCommand({
  name: 'up',
  summary: 'Start the whole pipeline locally: kafka, clickhouse, migrate, dashboard, generator (npm start)',
  details: [
    'Each service runs as a child process, restarted with back-off if it dies. Give --kafka-brokers',
    'or --clickhouse-url (or their environment variables) to use an external service instead of',
    'starting the local one. Every setting of the services it starts can be given here too.',
    'Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stops every process it started, and so does the',
    'end of the process that started it (npm, when a process manager stops `npm start`); should kch up',
    'itself be killed, its services notice and stop cleanly on their own.',
  ].join('\n'),
  options: [...serviceSettings, flags.upNoGenerate, flags.upConnect],
  async run({ options: resolved, log, signal, out }) {
    const externalKafka = resolved.given_(options.kafkaBrokers) ? resolved.requireString(options.kafkaBrokers) : undefined;
    const externalClickHouse = resolved.given_(options.clickhouseUrl) ? resolved.requireString(options.clickhouseUrl) : undefined;
    const settings = passedOn(resolved);
    // A config with a mistake is one line now, not every service failing on it; the services get
    // the file found here (by absolute path), whatever folder they run in.
    const pipeline = await loadPipelineConfig(resolved, log);
    if (pipeline.file !== undefined) {
      settings[options.config.env] = pipeline.file;
      log.info(`streams from ${pipeline.file}: ${pipeline.streams.map((s) => s.name).join(', ')}`);
    }
    // A bad value is one line now, not a service failing to start later.
    if (!externalKafka) parseHeap(resolved.requireString(options.kafkaHeap));
    if (!externalClickHouse) parseByteSize(resolved.requireString(options.clickhouseMaxMemory), '--clickhouse-max-memory (CLICKHOUSE_MAX_MEMORY)');

    // SIGHUP (the terminal closed) aborts `signal` like Ctrl-C: src/cli/main.ts. So does the end of
    // our parent, which no signal tells us of (src/host/parent.ts).
    const parent = watchParent((pid) => {
      // Our output may have gone with it (a pipe to a process manager): dropped, not fatal.
      ignoreOutputErrors();
      log.warn(`the process that started kch up (pid ${pid}) has exited: stopping every service`);
    });
    try {
      return await runStack({
        ...(externalKafka !== undefined ? { externalKafka } : {}),
        ...(externalClickHouse !== undefined ? { externalClickHouse } : {}),
        host: resolved.requireString(options.host),
        kafkaPort: resolved.bounded(options.kafkaPort) ?? 9092,
        kafkaControllerPort: resolved.bounded(options.kafkaControllerPort) ?? 9093,
        kafkaNodes: resolved.integer(options.kafkaNodes) ?? 1,
        clickhousePort: resolved.bounded(options.clickhousePort) ?? 8123,
        dashboardPort: resolved.bounded(options.dashboardPort) ?? 3000,
        ...(resolved.boolean(flags.upConnect) ? { connectPort: resolved.bounded(options.connectPort) ?? 8083 } : {}),
        dataDir: resolved.requireString(options.dataDir),
        cacheDir: resolved.requireString(options.cacheDir),
        generate: !resolved.boolean(flags.upNoGenerate),
        sink: pipeline.streams.some((stream) => ingestOf(stream, { ingest: ingestFrom(resolved) }) === 'sink'),
        exampleTable: exampleTable(pipeline.streams, resolved.string(options.clickhouseDatabase) ?? 'default'),
        settings,
        log, out,
        signal: AbortSignal.any([signal, parent.signal]),
      });
    } finally {
      parent.close();
    }
  },
});

/**
 * The settings given to `kch up` (flag or environment), as the environment of its services, each
 * checked here first. Secrets are left out: they are environment-only, so the services already
 * have them (or the *_FILE naming them) from ours.
 */
function passedOn(resolved: ResolvedOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const spec of serviceSettings) {
    if (spec.env === undefined || spec.secret || setByStack.has(spec) || !resolved.given_(spec)) continue;
    if (spec.type === 'integer' || spec.type === 'number') resolved.bounded(spec);
    else if (spec.type === 'duration') resolved.duration(spec);
    const value = resolved.string(spec);
    if (value !== undefined) env[spec.env] = value;
  }
  return env;
}
