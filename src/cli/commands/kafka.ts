import { resolve } from 'node:path';
import { options, type OptionSpec } from '../../config/options.js';
import { isKchError } from '../../errors.js';
import { startBroker } from '../../kafka/broker.js';
import { ensureKafkaRuntime } from '../../kafka/runtime.js';
import { defineCommand } from '../command.js';
import { stopWhenSupervisorGone } from '../../host/supervisor.js';

/** Only for this command: CI warms the jar cache with it before the tests run. */
const fetchOnly: OptionSpec = {
  flag: 'fetch-only', type: 'boolean',
  description: 'Only fetch the broker\'s jars into --cache-dir (needs mvn), then exit.',
};

export const kafkaCommand = defineCommand({
  name: 'kafka',
  summary: 'Run a local Apache Kafka broker (single node, KRaft) in the foreground until stopped',
  details: [
    'The broker\'s jars are fetched once with Maven into --cache-dir; Java 17+ runs it.',
    'Topics, offsets and the broker log live in <data-dir>/kafka/ and survive restarts.',
    'Stop it with Ctrl-C (or SIGTERM): it shuts down cleanly before exiting.',
  ].join('\n'),
  options: [options.host, options.kafkaPort, options.kafkaControllerPort, options.kafkaHeap, options.dataDir, options.cacheDir, fetchOnly],
  async run({ options: given, log, signal, out }) {
    // Started by `kch up`: stop cleanly when it is gone, however it ended (src/host/supervisor.ts).
    stopWhenSupervisorGone(log, signal);
    const started = performance.now();
    const cacheDir = resolve(given.requireString(options.cacheDir));
    if (given.boolean(fetchOnly)) {
      const runtime = await ensureKafkaRuntime({ cacheDir, log });
      out(`Kafka ${runtime.version} jars ready in ${runtime.jarsDir}\n`);
      return 0;
    }
    const broker = await startBroker({
      dataDir: resolve(given.requireString(options.dataDir)),
      cacheDir,
      host: given.requireString(options.host),
      port: given.integer(options.kafkaPort) ?? 9092,
      controllerPort: given.integer(options.kafkaControllerPort) ?? 9093,
      heap: given.requireString(options.kafkaHeap),
      log,
      signal,
    }).catch((error: unknown) => {
      // Ctrl-C during start-up: the broker is already stopped; that is not an error to report.
      if (signal.aborted && isKchError(error)) return undefined;
      throw error;
    });
    if (!broker) return 130;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out(`kafka ready on ${broker.bootstrap} (Kafka ${broker.version}, pid ${broker.pid}, log ${broker.logFile}) in ${seconds} s\n`);

    const stopped = new Promise<'signal'>((resolveStop) => {
      if (signal.aborted) resolveStop('signal');
      else signal.addEventListener('abort', () => resolveStop('signal'), { once: true });
    });
    const outcome = await Promise.race([stopped, broker.exited.then((code) => ({ code }))]);
    if (outcome === 'signal') {
      await broker.stop();
      return 0;
    }
    const how = outcome.code === null ? 'was killed' : `exited on its own with code ${outcome.code}`;
    log.error(`Kafka (pid ${broker.pid}) ${how}; see ${broker.logFile}`);
    return 1;
  },
});
