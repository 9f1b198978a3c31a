import { setTimeout as delay } from 'node:timers/promises';
import { flags, options } from '../../config/options.js';
import { streamNamed } from '../../ops/context.js';
import { localKafkaOf, snapshot, type StatusSources } from '../../health/gather.js';
import { statusJson } from '../../health/json.js';
import { judge } from '../../health/judge.js';
import type { StatusReport } from '../../health/model.js';
import { renderStatus } from '../../health/text.js';
import { loadPipelineConfig } from '../../config/pipeline-file.js';
import { defineCommand } from '../shared/command.js';
import { clickhouseFrom, pipelineTargetFrom } from '../shared/connections.js';
import { opsOptions } from '../shared/ops.js';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'Each stream\'s consumption, lag per partition, rows, rate, freshness, parts, dead letters; exit 1 when unhealthy',
  args: '[stream]',
  details: [
    'Looks twice, --window apart: Kafka (reachable, consumer group state, committed and end offset',
    'per partition) and ClickHouse (reachable, version, the Kafka table attached or detached,',
    'system.kafka_consumers on 23.8+, rows, rows written in the last minute, the newest row\'s age,',
    'active parts, dead letters). Exit code 1 when Kafka or ClickHouse does not answer, a stream has',
    'no Kafka table, its consumer stopped (lag and no commit between the looks), it falls behind',
    '(lag grew by more than was produced meanwhile), or most of its messages of the last 5 minutes',
    'are dead letters (at least 10 of them). A paused stream is not unhealthy for its lag. When a service',
    'does not answer at the first look there is no trend to judge: it reports at once. A Kafka Connect',
    'worker at --connect-url is asked for the connectors kch cdc made: each one\'s state and its tasks\';',
    'one FAILED is unhealthy, and so is a worker that does not answer at a --connect-url (CONNECT_URL) given.',
  ].join('\n'),
  options: [...opsOptions, options.dataDir, options.connectUrl, flags.statusJson, flags.statusWatch, flags.statusWindow],
  allowPositionals: true,
  async run({ options: resolved, log, signal, out }) {
    const { streams } = await loadPipelineConfig(resolved, log);
    const only = resolved.positionals.length > 0 ? resolved.positionals.map((name) => streamNamed(name, streams)) : streams;
    const windowMs = resolved.duration(flags.statusWindow) ?? 2000;
    // Every name is qualified; connecting to the pipeline's database would fail where it is missing.
    const client = clickhouseFrom(resolved, 'default');
    const sources: StatusSources = {
      client,
      clickhouseUrl: resolved.requireString(options.clickhouseUrl),
      bootstrap: resolved.requireString(options.kafkaBrokers),
      target: pipelineTargetFrom(resolved),
      streams: only,
      localKafka: await localKafkaOf(resolved.requireString(options.dataDir)),
      // The default URL is asked too, quietly: a worker there is shown, none there is no problem.
      connect: { url: resolved.requireString(options.connectUrl), required: resolved.given_(options.connectUrl) },
    };
    const print = (report: StatusReport, again: boolean): void => {
      if (resolved.boolean(flags.statusJson)) out(statusJson(report, again));
      else out(`${again && process.stdout.isTTY ? '\x1b[H\x1b[2J' : ''}${renderStatus(report)}${again ? `(every ${windowMs / 1000} s, Ctrl-C to stop)\n` : ''}`);
    };
    const wait = async (): Promise<boolean> => {
      try {
        await delay(windowMs, undefined, { signal });
        return true;
      } catch {
        return false;
      }
    };
    try {
      let previous = await snapshot(sources);
      // A service that does not answer leaves nothing to compare: say so now, not one window and
      // one more timeout later (the time the report says it waited is then the time it took).
      const down = !previous.kafka.reachable || !previous.clickhouse.reachable;
      if (down && !resolved.boolean(flags.statusWatch)) {
        const once = judge(previous);
        print(once, false);
        return once.healthy ? 0 : 1;
      }
      if (!(await wait())) return previous.healthy ? 0 : 1;
      let report = judge(await snapshot(sources), windowMs > 0 ? previous : undefined);
      print(report, resolved.boolean(flags.statusWatch));
      while (resolved.boolean(flags.statusWatch) && (await wait())) {
        previous = report;
        report = judge(await snapshot(sources), previous);
        print(report, true);
      }
      return report.healthy ? 0 : 1;
    } finally {
      await client.close();
    }
  },
});
