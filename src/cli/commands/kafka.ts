import { resolve } from 'node:path';
import { flags, options } from '../../config/options.js';
import { isKchError } from '../../errors/kch-error.js';
import { startBroker, type RunningBroker } from '../../kafka/broker.js';
import { startCluster, type RunningCluster } from '../../kafka/cluster.js';
import { ensureKafkaRuntime } from '../../kafka/runtime.js';
import { defineCommand } from '../shared/command.js';
import { stopWhenSupervisorGone } from '../../host/supervisor.js';

export const kafkaCommand = defineCommand({
  name: 'kafka',
  summary: 'Run a local Apache Kafka broker (KRaft), or a cluster of them (--nodes 3), in the foreground until stopped',
  details: [
    'With --nodes 3: three brokers, each also a controller of one quorum, on 9092/9093, 9094/9095 and',
    '9096/9097; topics keep 3 copies of each partition and take a write once 2 hold it, so one node',
    'may be lost without losing an acknowledged event. A node that dies is started again (after 5 s, then',
    'longer; left down after its 5th death in 10 minutes). Their data: <data-dir>/kafka-cluster/node-<n>/.',
    'The broker\'s jars are fetched once with Maven into --cache-dir; Java 17+ runs it.',
    'Topics, offsets and the broker log live in <data-dir>/kafka/ and survive restarts.',
    'Stop it with Ctrl-C (or SIGTERM): it shuts down cleanly before exiting.',
  ].join('\n'),
  options: [options.host, options.kafkaPort, options.kafkaControllerPort, flags.kafkaNodes, options.kafkaHeap, options.dataDir, options.cacheDir, flags.kafkaFetchOnly],
  async run({ options: given, log, signal, out }) {
    // Started by `kch up`: stop cleanly when it is gone, however it ended (src/host/supervisor.ts).
    stopWhenSupervisorGone(log, signal);
    const started = performance.now();
    const cacheDir = resolve(given.requireString(options.cacheDir));
    if (given.boolean(flags.kafkaFetchOnly)) {
      const runtime = await ensureKafkaRuntime({ cacheDir, log });
      out(`Kafka ${runtime.version} jars ready in ${runtime.jarsDir}\n`);
      return 0;
    }
    const nodes = given.integer(flags.kafkaNodes) ?? 1;
    const settings = {
      dataDir: resolve(given.requireString(options.dataDir)),
      cacheDir,
      host: given.requireString(options.host),
      port: given.bounded(options.kafkaPort) ?? 9092,
      controllerPort: given.bounded(options.kafkaControllerPort) ?? 9093,
      heap: given.requireString(options.kafkaHeap),
      log,
      signal,
    };
    const running: RunningBroker | RunningCluster | undefined = await (nodes === 1 ? startBroker(settings) : startCluster({ ...settings, nodes })).catch((error: unknown) => {
      // Ctrl-C during start-up: the broker is already stopped; that is not an error to report.
      if (signal.aborted && isKchError(error)) return undefined;
      throw error;
    });
    if (!running) return 130;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if ('nodes' in running) {
      out(`kafka cluster ready on ${running.bootstrap} (Kafka ${running.version}, ${running.nodes.length} nodes, pids ${running.nodes.map((n) => n.pid).join(', ')}) in ${seconds} s\n`);
    } else {
      out(`kafka ready on ${running.bootstrap} (Kafka ${running.version}, pid ${running.pid}, log ${running.logFile}) in ${seconds} s\n`);
    }

    const stopped = new Promise<'signal'>((resolveStop) => {
      if (signal.aborted) resolveStop('signal');
      else signal.addEventListener('abort', () => resolveStop('signal'), { once: true });
    });
    if ('nodes' in running) {
      // A node that dies is started again (src/kafka/cluster.ts); one that dies too often is left
      // down while the others serve on, as a cluster on real hardware would.
      const lost = await Promise.race([stopped.then(() => undefined), running.gaveUp]);
      await stopped;
      await running.stop();
      return lost ? 1 : 0;
    }
    const outcome = await Promise.race([stopped, running.exited]);
    if (outcome === 'signal') {
      await running.stop();
      return 0;
    }
    log.error(`Kafka (pid ${running.pid}) ${outcome === null ? 'was killed' : `exited on its own with code ${outcome}`}; see ${running.logFile}`);
    return 1;
  },
});
