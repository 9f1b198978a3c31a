import { options, type OptionSpec } from '../../config/options.js';
import { toKchError } from '../../clickhouse/errors.js';
import { ensureTopics, waitForKafka } from '../../kafka/admin.js';
import { isKchError } from '../../errors.js';
import { detectFeatures, degradations } from '../../migrate/detect.js';
import { applyPlan, diffPlan } from '../../migrate/apply.js';
import { waitForClickHouse } from '../../migrate/wait.js';
import { planPipeline, topicOf } from '../../pipeline/plan.js';
import { streams } from '../../pipeline/streams/index.js';
import { defineCommand } from '../command.js';
import { clickhouseFrom, clickhouseOptions, pipelineTargetFrom } from '../connections.js';

const dryRun: OptionSpec = { flag: 'dry-run', type: 'boolean', description: 'Show the plan and its SQL; change nothing.' };
const waitFor: OptionSpec = { flag: 'wait', type: 'duration', default: '60s', description: 'How long to wait for ClickHouse and Kafka to answer.' };

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'Create the pipeline\'s topics and ClickHouse objects; idempotent, reports drift',
  details: [
    'For each stream: the target MergeTree table, its dead-letter table, the Kafka-engine table,',
    'and the materialized views between them. Existing objects are compared with the definition',
    'and left alone; differences are reported. Server features are detected, and what an old',
    'server cannot do is said before anything is created.',
  ].join('\n'),
  options: [...clickhouseOptions, options.kafkaBrokers, options.kafkaBrokersForClickhouse, options.topicPrefix, options.partitions, dryRun, waitFor],
  async run({ options: resolved, log, signal, out }) {
    const target = pipelineTargetFrom(resolved);
    const timeoutMs = resolved.duration(waitFor) ?? 60_000;
    const client = clickhouseFrom(resolved, 'default');
    const url = resolved.requireString(options.clickhouseUrl);
    try {
      await waitForClickHouse(client, url, { timeoutMs, signal });
      const features = await detectFeatures(client).catch((e: unknown) => { throw isKchError(e) ? e : toKchError(e, url); });
      log.info(`ClickHouse ${features.version} at ${url}`);
      for (const line of degradations(features)) log.warn(line);

      const plan = planPipeline(streams, target, features);
      if (resolved.boolean(dryRun)) {
        const steps = await diffPlan(client, plan);
        for (const step of steps) {
          out(`-- ${step.action}: ${step.object}${step.drift.length ? ` (${step.drift.join('; ')})` : ''}\n`);
          if (step.action === 'create') out(`${step.sql};\n\n`);
        }
        out(`dry run: ${steps.filter((s) => s.action === 'create').length} to create, ${steps.filter((s) => s.action === 'drift').length} differing, nothing changed\n`);
        return 0;
      }

      // Topics first: a Kafka-engine consumer subscribed to a missing topic may not notice it
      // appear for minutes (metadata refresh), so the first events would wait.
      const bootstrap = resolved.requireString(options.kafkaBrokers);
      const partitions = resolved.integer(options.partitions) ?? 1;
      try {
        await waitForKafka(bootstrap, { timeoutMs, signal });
        const created = await ensureTopics(bootstrap, streams.map((s) => ({ name: topicOf(s, target), partitions })));
        if (created.length) log.info(`created topics ${created.join(', ')}`);
      } catch (error) {
        if (!isKchError(error)) throw error;
        log.warn(`topics not checked: ${error.message}. ClickHouse will still consume them once they exist.`);
      }

      const result = await applyPlan(client, plan, log).catch((e: unknown) => { throw isKchError(e) ? e : toKchError(e, url); });
      const unchanged = result.steps.length - result.created - result.drifted;
      if (result.created === 0 && result.drifted === 0) {
        out(`migrate: nothing to do, all ${result.steps.length} objects match the definition\n`);
      } else {
        out(`migrate: created ${result.created}, unchanged ${unchanged}, differing ${result.drifted}${result.drifted ? ' (see the warnings above)' : ''}\n`);
      }
      return 0;
    } finally {
      await client.close();
    }
  },
});
