import { options } from '../../config/options.js';
import { loadPipelineConfig } from '../../config/pipeline-file.js';
import { startDashboard } from '../../dashboard/server.js';
import { defineCommand } from '../shared/command.js';
import { clickhouseOptions, connectionFrom, pipelineTargetFrom } from '../shared/connections.js';
import { stopWhenSupervisorGone } from '../../host/supervisor.js';

/** `kch dashboard`: the live page and its read-only HTTP API, until Ctrl-C / SIGTERM. */
export const dashboardCommand = defineCommand({
  name: 'dashboard',
  summary: 'Serve the live dashboard and its read-only HTTP API (JSON, Prometheus /metrics)',
  details: [
    'One self-contained page (no internet needed) that refreshes every 5 s: for the seed\'s streams sales',
    'per hour, top stock movements, recent sales, stock per warehouse; for streams of your own, events over',
    'time, top values, sums and newest rows from their fields; and per stream the messages in Kafka, consumer lag',
    'per partition, rows, ingest rate, freshness and dead letters. JSON under /api (GET /api lists the',
    'endpoints and their parameters), Prometheus text at /metrics. It starts even when ClickHouse or',
    'Kafka are down, and says so on the page and with HTTP 503 until they answer.',
  ].join('\n'),
  options: [options.config, options.host, options.dashboardPort, ...clickhouseOptions, options.clickhouseCluster, options.kafkaBrokers, options.topicPrefix, options.dashboardToken],
  async run({ options: resolved, log, signal, out }) {
    // Started by `kch up`: stop cleanly when it is gone, however it ended (src/host/supervisor.ts).
    stopWhenSupervisorGone(log, signal);
    const target = pipelineTargetFrom(resolved);
    const { streams } = await loadPipelineConfig(resolved, log);
    const dashboard = await startDashboard({
      streams,
      host: resolved.requireString(options.host),
      port: resolved.bounded(options.dashboardPort) ?? 3000,
      token: resolved.string(options.dashboardToken) || undefined,
      clickhouse: connectionFrom(resolved, target.database),
      kafkaBrokers: resolved.requireString(options.kafkaBrokers),
      topicPrefix: target.topicPrefix,
      ...(target.ingest ? { ingest: target.ingest } : {}),
      ...(target.cluster ? { cluster: target.cluster.name } : {}),
      log,
    });
    out(`dashboard ready on ${dashboard.url} (ClickHouse ${resolved.requireString(options.clickhouseUrl)}, database ${target.database}; Kafka ${resolved.requireString(options.kafkaBrokers)})\n`);
    if (!signal.aborted) {
      await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
    }
    await dashboard.stop();
    log.info('dashboard stopped');
    return 0;
  },
});
