import { flags, options, type OptionSpec } from '../../config/options.js';
import { ensureTopics, waitForKafka } from '../../kafka/admin.js';
import { ErrorCodes, KchError, isKchError } from '../../errors/kch-error.js';
import { degradations } from '../../clickhouse/detect-features.js';
import { applyPlan, diffPlan } from '../../migrate/apply.js';
import { databaseExists, existingTables } from '../../clickhouse/system.js';
import { checkOwnership, earlierKafkaTables } from '../../migrate/ownership.js';
import type { OpsContext } from '../../ops/context.js';
import { replicaTables, type ReplicaTables } from '../../clickhouse/replicas.js';
import { applyEvolution, planEvolution, type Evolution } from '../../ops/evolve.js';
import { planPipeline } from '../../pipeline/plan.js';
import { resolvePipeline } from '../../pipeline/resolve.js';
import { loadPipelineConfig } from '../../config/pipeline-file.js';
import { defineCommand, type CommandContext } from '../shared/command.js';
import { checkCluster, clickhouseOptions, connectFrom, pipelineTargetFrom } from '../shared/connections.js';


function printEvolution(evolution: Evolution, out: (text: string) => void): void {
  out(`-- evolve ${evolution.stream}: ${evolution.reasons.join('; ')}\n`);
  if (evolution.refused.length) out(`--   refused: ${evolution.refused.join('; ')}\n`);
  if (evolution.kept.length) out(`--   kept in the target (no longer in the definition): ${evolution.kept.join(', ')}\n`);
  for (const step of evolution.steps) out(`-- ${step.why}\n${step.sql};\n`);
  out('\n');
}

/** What the pipeline's objects are made from: the options of kch migrate, and of every command that migrates as one of its steps (kch cdc add). */
export const migrateOptions: readonly OptionSpec[] = [options.config, ...clickhouseOptions, options.kafkaBrokers, options.kafkaBrokersForClickhouse, options.topicPrefix, options.partitions, options.flushInterval, options.consumers, options.ingest, options.clickhouseCluster, options.clusterPath, options.clusterReplica];

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'Create the pipeline\'s topics and ClickHouse objects; idempotent, reports drift',
  details: [
    'For each stream: the target MergeTree table, its dead-letter table, the Kafka-engine table,',
    'and the materialized views between them. Existing objects are compared with the definition;',
    'differences are reported and left alone, except that an existing target table gets the',
    'projections it lacks (23.8 and later; built for the rows already there in the background).',
    'Server features are detected, and what an old server cannot do is said before anything is',
    'created. --apply-drift evolves a stream whose definition changed (a new field, a changed',
    'check) without losing or repeating an event. An object another stream owns (planned by it, or',
    'reached on the server from another consumer group) is never changed: the plan is refused before',
    'its first statement. A Kafka table an earlier kch named after its topic is renamed after its stream.',
  ].join('\n'),
  options: [...migrateOptions, flags.migrateDryRun, flags.migrateApplyDrift, flags.migrateWait],
  run: migratePipeline,
});

/**
 * kch migrate: the topics, then every stream's objects as the pipeline file defines them. A
 * command that does not take --dry-run, --apply-drift or --wait migrates as kch migrate does
 * without them.
 */
export async function migratePipeline({ options: resolved, log, signal, out }: CommandContext): Promise<number> {
  const { streams } = await loadPipelineConfig(resolved, log);
  const target = pipelineTargetFrom(resolved);
  const pipeline = resolvePipeline({ target, streams });
  const timeoutMs = resolved.duration(flags.migrateWait) ?? 60_000;
  const { client, url, features } = await connectFrom(resolved, { waitMs: timeoutMs, signal });
  try {
    log.info(`ClickHouse ${features.version} at ${url}`);
    for (const line of degradations(features)) log.warn(line);
    let replicas: ReplicaTables[] = [];
    if (target.cluster) {
      const servers = await checkCluster(client, target.cluster);
      log.info(`cluster ${target.cluster.name}: ${servers} server(s); tables replicated as <name>_local, read through Distributed <name>`);
      // Every server's objects are compared, not only this one's: one may lack a view that the
      // others have (a server added later, a DDL that failed there).
      replicas = await replicaTables(client, target.cluster.name, target.database);
    }

    const plan = planPipeline(streams, target, features);
    // Before any statement: every object the plan makes or changes is its own stream's.
    const tables = (await databaseExists(client, target.database)) ? await existingTables(client, target.database) : undefined;
    checkOwnership(plan, new Map(pipeline.streams.map((s) => [s.stream.name, s.group])), target.database, tables);
    const bootstrap = resolved.requireString(options.kafkaBrokers);
    const ops: OpsContext = { client, features, target, bootstrap, log };
    /** The drifted streams' evolutions; `renamesOnly`: those of streams whose Kafka table has an earlier name. */
    const evolutions = async (renamesOnly = false): Promise<Evolution[]> => {
      const drifted = new Set((await diffPlan(client, plan, replicas)).filter((s) => s.action === 'drift' && 'stream' in s.statement && (!renamesOnly || s.renamedFrom !== undefined)).map((s) => (s.statement as { stream: string }).stream));
      const out: Evolution[] = [];
      for (const stream of pipeline.streams.filter((s) => drifted.has(s.stream.name))) out.push(await planEvolution(ops, stream));
      return out;
    };
    if (resolved.boolean(flags.migrateDryRun)) {
      const steps = await diffPlan(client, plan, replicas);
      for (const replica of replicas) if (!replica.tables) out(`-- replica ${replica.host} does not answer (${replica.error ?? 'no answer'}): not compared, and kch migrate would not run while it is down\n`);
      for (const step of steps) {
        out(`-- ${step.action}${step.detached ? ' (detached: stream paused)' : ''}${step.missingOn ? ` on ${step.missingOn.join(', ')}` : ''}: ${step.object}${step.drift.length ? ` (${step.drift.join('; ')})` : ''}\n`);
        if (step.action === 'create') out(`${step.sql};\n\n`);
        if (step.addProjections.length) {
          const many = step.addProjections.length > 1;
          out(`-- add projection${many ? 's' : ''} ${step.addProjections.map((p) => p.name).join(', ')} (metadata only; the last statement builds ${many ? 'them' : 'it'} for the rows already there, in the background)\n`);
          out(`${step.alterSql.map((sql) => `${sql};\n`).join('')}\n`);
        }
      }
      // A stream whose only difference is a projection has nothing to evolve (the warning says what to do).
      const planned = (await evolutions()).filter((e) => e.reasons.length > 0 || e.refused.length > 0);
      for (const evolution of planned) printEvolution(evolution, out);
      const renames = planned.filter((e) => e.steps.length > 0 && e.renamed?.alone).length;
      const evolvable = planned.filter((e) => e.steps.length > 0).length - renames;
      const projected = steps.filter((s) => s.addProjections.length > 0).length;
      out(`dry run: ${steps.filter((s) => s.action === 'create').length} to create, ${projected ? `${projected} to get projections, ` : ''}${steps.filter((s) => s.action === 'drift').length} differing${renames ? ` (${renames} Kafka table(s) kch migrate would rename as above)` : ''}${evolvable ? ` (${evolvable} stream(s) kch migrate --apply-drift would evolve as above)` : ''}, nothing changed\n`);
      return 0;
    }

    // A Kafka table an earlier kch named after its topic is renamed by every migrate (never left
    // beside a second one); with other changes to its stream, only as --apply-drift evolves it.
    const applying = resolved.boolean(flags.migrateApplyDrift);
    const renaming = tables !== undefined && earlierKafkaTables(plan, tables).size > 0;
    const evolving = applying || renaming ? await evolutions(!applying) : [];
    const blocked = applying ? undefined : evolving.find((e) => e.renamed && !e.renamed.alone);
    if (blocked?.renamed) {
      throw new KchError(ErrorCodes.USAGE, `${blocked.renamed.from.toSql()} is stream ${blocked.stream}'s Kafka table under the name an earlier kch gave it, and the stream differs from its definition too (${blocked.reasons.slice(1, 3).join('; ')}${blocked.reasons.length > 3 ? '; …' : ''}): kch migrate --apply-drift renames and evolves it at once (kch migrate --dry-run shows how); nothing was changed`);
    }

    // Topics first: a Kafka-engine consumer subscribed to a missing topic may not notice it
    // appear for minutes (metadata refresh), so the first events would wait.
    const partitions = resolved.bounded(options.partitions) ?? 1;
    try {
      await waitForKafka(bootstrap, { timeoutMs, signal });
      const created = await ensureTopics(bootstrap, pipeline.streams.map((s) => ({ name: s.topic, partitions })));
      if (created.length) log.info(`created topics ${created.join(', ')}`);
    } catch (error) {
      if (!isKchError(error)) throw error;
      log.warn(`topics not checked: ${error.message}. ClickHouse will still consume them once they exist.`);
    }

    let refused = 0;
    for (const evolution of evolving) {
      if (evolution.refused.length > 0) {
        refused += 1;
        log.warn(`not evolving ${evolution.stream}: ${evolution.refused.join('; ')}`);
        continue;
      }
      if (evolution.steps.length === 0) {
        if (evolution.kept.length) log.info(`${evolution.stream}: nothing to evolve; its target keeps ${evolution.kept.join(', ')}, which the definition no longer has`);
        continue;
      }
      log.info(`evolving ${evolution.stream}: ${evolution.reasons.join('; ')}`);
      printEvolution(evolution, (text) => log.debug(text.trimEnd()));
      const stream = pipeline.streams.find((s) => s.stream.name === evolution.stream)!;
      const done = await applyEvolution(ops, stream, evolution, { waitMs: timeoutMs, signal });
      const added = evolution.added.length ? `added ${evolution.added.map((c) => c.name).join(', ')}; ` : '';
      const kafka = evolution.steps.some((step) => step.sql.includes('ENGINE = Kafka'));
      const again = done.consumingAfterMs === undefined ? 'it stays paused' : `consuming again ${(done.consumingAfterMs / 1000).toFixed(1)} s after the pause`;
      const how = !kafka ? 'views made again; consumption untouched' : `Kafka table and views made again in ${(done.pausedMs / 1000).toFixed(1)} s; ${again}`;
      if (evolution.renamed) out(`renamed ${evolution.renamed.from.toSql()} to ${evolution.renamed.to.toSql()} (stream ${evolution.stream}): same consumer group, from its committed offsets; ${again}\n`);
      if (!evolution.renamed?.alone) out(`evolved ${evolution.stream}: ${added}${how}\n`);
    }

    const result = await applyPlan(client, plan, log, false, features, replicas);
    const evolvable = result.steps.some((s) => s.action === 'drift' && s.drift.length > s.projectionDrift.length);
    if (result.created === 0 && result.drifted === 0 && result.altered === 0) {
      out(`migrate: nothing to do, all ${result.steps.length} objects match the definition\n`);
    } else {
      const projected = result.altered ? `added projections to ${result.altered} table(s) (built for existing rows in the background), ` : '';
      out(`migrate: created ${result.created}, ${projected}unchanged ${result.unchanged}, differing ${result.drifted}${result.drifted ? ` (see the warnings above${resolved.boolean(flags.migrateApplyDrift) || !evolvable ? '' : '; kch migrate --dry-run shows how --apply-drift would evolve them'})` : ''}\n`);
    }
    return refused > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}
