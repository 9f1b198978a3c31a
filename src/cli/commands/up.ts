import { options, type OptionSpec } from '../../config/options.js';
import { runStack } from '../../stack/up.js';
import { defineCommand } from '../command.js';

const noGenerate: OptionSpec = { flag: 'no-generate', type: 'boolean', description: 'Start everything but the generator.' };

/** Options passed through to `kch generate` when given. */
const generatorOptions = [options.rate, options.seed, options.count, options.duration, options.workers, options.partitions] as const;

export const upCommand = defineCommand({
  name: 'up',
  summary: 'Start the whole pipeline locally: kafka, clickhouse, migrate, dashboard, generator (npm start)',
  details: [
    'Each service runs as a child process, restarted with back-off if it dies. Give --kafka-brokers',
    'or --clickhouse-url (or their environment variables) to use an external service instead of',
    'starting the local one. Ctrl-C stops every process it started.',
  ].join('\n'),
  options: [
    options.kafkaBrokers, options.clickhouseUrl, options.clickhouseUser, options.clickhousePassword,
    options.host, options.kafkaPort, options.clickhousePort, options.dashboardPort, options.dataDir, options.cacheDir,
    ...generatorOptions, noGenerate,
  ],
  async run({ options: resolved, log, signal, out }) {
    const generatorArgs: string[] = [];
    for (const spec of generatorOptions) {
      const value = resolved.given_(spec) ? resolved.string(spec) : undefined;
      if (value !== undefined) generatorArgs.push(`--${spec.flag}`, value);
    }
    return runStack({
      ...(resolved.given_(options.kafkaBrokers) ? { externalKafka: resolved.requireString(options.kafkaBrokers) } : {}),
      ...(resolved.given_(options.clickhouseUrl) ? { externalClickHouse: resolved.requireString(options.clickhouseUrl) } : {}),
      host: resolved.requireString(options.host),
      kafkaPort: resolved.integer(options.kafkaPort) ?? 9092,
      clickhousePort: resolved.integer(options.clickhousePort) ?? 8123,
      dashboardPort: resolved.integer(options.dashboardPort) ?? 3000,
      dataDir: resolved.requireString(options.dataDir),
      cacheDir: resolved.requireString(options.cacheDir),
      generate: !resolved.boolean(noGenerate),
      generatorArgs,
      log, signal, out,
    });
  },
});
