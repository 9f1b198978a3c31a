import { resolve } from 'node:path';
import { options, type OptionSpec } from '../../config/options.js';
import { isKchError } from '../../errors/kch-error.js';
import { ensureConnectRuntime } from '../../connect/runtime.js';
import { startWorker } from '../../connect/worker.js';
import { defineCommand } from '../shared/command.js';
import { stopWhenSupervisorGone } from '../../host/supervisor.js';

/** Only for this command: CI warms the jar cache with it before the tests run. */
const fetchOnly: OptionSpec = {
  flag: 'fetch-only', type: 'boolean',
  description: 'Only fetch the Kafka Connect and Debezium jars into --cache-dir (needs mvn), then exit.',
};

export const connectCommand = defineCommand({
  name: 'connect',
  summary: 'Run a local Kafka Connect worker with Debezium\'s PostgreSQL connector, in the foreground until stopped',
  details: [
    'A distributed-mode worker: its connector configs, offsets and statuses live in three topics of',
    '--kafka-brokers (<topic-prefix>kch-connect-configs, -offsets, -status; group <topic-prefix>kch-connect).',
    'Its REST API listens on 127.0.0.1:--connect-port only: register connectors there',
    '(PUT /connectors/<name>/config). Messages are JSON with their schema (JsonConverter).',
    'The jars (Kafka Connect 4.3, Debezium 3.6) are fetched once with Maven into --cache-dir; Java 17+ runs it.',
    'Its log lives in <data-dir>/connect/logs/connect.log.',
    'Stop it with Ctrl-C (or SIGTERM): it stops its tasks and leaves its group before exiting.',
  ].join('\n'),
  options: [options.kafkaBrokers, options.connectPort, options.topicPrefix, options.dataDir, options.cacheDir, fetchOnly],
  async run({ options: given, log, signal, out }) {
    // Started by `kch up`: stop cleanly when it is gone, however it ended (src/host/supervisor.ts).
    stopWhenSupervisorGone(log, signal);
    const started = performance.now();
    const cacheDir = resolve(given.requireString(options.cacheDir));
    if (given.boolean(fetchOnly)) {
      const runtime = await ensureConnectRuntime({ cacheDir, log });
      out(`Kafka Connect ${runtime.version} and Debezium ${runtime.debeziumVersion} jars ready in ${runtime.jarsDir}\n`);
      return 0;
    }
    const running = await startWorker({
      dataDir: resolve(given.requireString(options.dataDir)),
      cacheDir,
      bootstrap: given.requireString(options.kafkaBrokers),
      port: given.bounded(options.connectPort) ?? 8083,
      topicPrefix: given.string(options.topicPrefix) ?? '',
      log,
      signal,
    }).catch((error: unknown) => {
      // Ctrl-C during start-up: the worker is already stopped; that is not an error to report.
      if (signal.aborted && isKchError(error)) return undefined;
      throw error;
    });
    if (!running) return 130;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out(`connect ready on ${running.url} (Kafka Connect ${running.version}, Debezium ${running.debeziumVersion}, pid ${running.pid}, log ${running.logFile}) in ${seconds} s\n`);

    const stopped = new Promise<'signal'>((resolveStop) => {
      if (signal.aborted) resolveStop('signal');
      else signal.addEventListener('abort', () => resolveStop('signal'), { once: true });
    });
    const outcome = await Promise.race([stopped, running.exited]);
    if (outcome === 'signal') {
      await running.stop();
      return 0;
    }
    log.error(`Kafka Connect (pid ${running.pid}) ${outcome === null ? 'was killed' : `exited on its own with code ${outcome}`}; see ${running.logFile}`);
    return 1;
  },
});
