import { resolve } from 'node:path';
import { options, type OptionSpec } from '../../config/options.js';
import { isKchError } from '../../errors.js';
import { startBroker, type RunningBroker } from '../../kafka/broker.js';
import { startCluster, type RunningCluster } from '../../kafka/cluster.js';
import { ensureKafkaRuntime } from '../../kafka/runtime.js';
import { defineCommand } from '../command.js';
import { stopWhenSupervisorGone } from '../../host/supervisor.js';

/** `kch kafka --nodes 3`; `kch up` says --kafka-nodes and passes KAFKA_NODES. */
const nodesOption: OptionSpec = { ...options.kafkaNodes, flag: 'nodes' };

/** Only for this command: CI warms the jar cache with it before the tests run. */
const fetchOnly: OptionSpec = {
  flag: 'fetch-only', type: 'boolean',
  description: 'Only fetch the broker\'s jars into --cache-dir (needs mvn), then exit.',
};

export const kafkaCommand = defineCommand({
  name: 'kafka',
  summary: 'Run a local Apache Kafka broker (KRaft), or a cluster of them (--nodes 3), in the foreground until stopped',
  details: [
    'With --nodes 3: three brokers, each also a controller of one quorum, on 9092/9093, 9094/9095 and',
    '9096/9097; topics keep 3 copies of each partition and take a write once 2 hold it, so one node',
    'may be lost without losing an acknowledged event. Their data: <data-dir>/kafka-cluster/node-<n>/.',
    'The broker\'s jars are fetched once with Maven into --cache-dir; Java 17+ runs it.',
    'Topics, offsets and the broker log live in <data-dir>/kafka/ and survive restarts.',
    'Stop it with Ctrl-C (or SIGTERM): it shuts down cleanly before exiting.',
  ].join('\n'),
  options: [options.host, options.kafkaPort, options.kafkaControllerPort, nodesOption, options.kafkaHeap, options.dataDir, options.cacheDir, fetchOnly],
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
    const nodes = given.integer(nodesOption) ?? 1;
    const settings = {
      dataDir: resolve(given.requireString(options.dataDir)),
      cacheDir,
      host: given.requireString(options.host),
      port: given.integer(options.kafkaPort) ?? 9092,
      controllerPort: given.integer(options.kafkaControllerPort) ?? 9093,
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
    const exited = 'nodes' in running ? running.exited : running.exited.then((code) => ({ node: 1, code }));
    const outcome = await Promise.race([stopped, exited]);
    if (outcome === 'signal') {
      await running.stop();
      return 0;
    }
    const how = outcome.code === null ? 'was killed' : `exited on its own with code ${outcome.code}`;
    if ('nodes' in running) {
      // The others keep the data and serve on: a cluster survives a node's loss, as on real hardware.
      const node = running.nodes[outcome.node - 1]!;
      log.error(`Kafka node ${outcome.node} (pid ${node.pid}) ${how}; see ${node.logFile}. The other nodes go on; Ctrl-C stops them`);
      await stopped;
      await running.stop();
      return 1;
    }
    log.error(`Kafka (pid ${running.pid}) ${how}; see ${running.logFile}`);
    return 1;
  },
});
