import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { flags, options } from '../../config/options.js';
import { configNames, findConfig, loadPipelineFile } from '../../config/pipeline-file.js';
import { ErrorCodes, KchError, isKchError } from '../../errors/kch-error.js';
import { inferFromSample } from '../../init/changes.js';
import { definitionOf } from '../../init/infer.js';
import { renderReport } from '../../init/report.js';
import { parseSample, replaySample } from '../../init/replay.js';
import { sampleTopic } from '../../init/sample.js';
import { addStream, configSource, streamSource } from '../../init/source.js';
import { waitForKafka } from '../../kafka/admin.js';
import { kafkaSecurityFrom, kafkaSecurityOptions, useKafkaSecurity } from '../../kafka/security.js';
import { defineCommand } from '../shared/command.js';

/** The share of the sample that may be dead letters before init refuses to write the stream (without --force). */
const DEAD_LETTER_LIMIT = 0.1;


/** Exit codes of init's own refusals (2 is any usage mistake, 1 any other failure). */
export const initExit = { noTopic: 3, empty: 4, noObjects: 5, exists: 6, deadLetters: 7 } as const;


export const initCommand = defineCommand({
  name: 'init',
  summary: 'Infer a stream from a topic\'s messages, prove it against them, and write kch.config.ts',
  details: [
    'Reads --sample messages from the earliest offset of each partition (no consumer group is joined',
    'or committed), infers each field\'s type (README: "How init infers a stream"), replays the sample',
    'through the checks the pipeline will make, and reports per field its type, how often it was',
    'absent or null and values seen, and how many messages would be dead letters and why. A topic',
    'of changes (Debezium\'s JSON, its flattened form, a keyed topic with tombstones) becomes an upsert',
    'stream keyed by the message key, typed by the messages\' schema where they carry one. Then it',
    'writes kch.config.ts (or --config) in this folder; a file init wrote gets the stream added, any',
    'other is left alone. ClickHouse is not touched: kch migrate makes the tables.',
    `Exit codes: 0 written (or printed), ${initExit.noTopic} no such topic, ${initExit.empty} the topic is empty, ${initExit.noObjects} no message is a`,
    `JSON object, ${initExit.exists} the pipeline file exists and is not init's or has the stream, ${initExit.deadLetters} more than`,
    `${DEAD_LETTER_LIMIT * 100} % of the sample would be dead letters (nothing written; --force writes it anyway), 2 usage.`,
  ].join('\n'),
  options: [flags.initFromTopic, flags.initSample, flags.initName, options.config, flags.initDryRun, flags.initForce, options.kafkaBrokers, ...kafkaSecurityOptions, flags.initTimeout],
  async run({ options: resolved, log, signal, out }) {
    useKafkaSecurity(kafkaSecurityFrom(resolved));
    const topic = resolved.string(flags.initFromTopic);
    if (!topic) throw new KchError(ErrorCodes.USAGE, 'name the topic to infer a stream from: kch init --from-topic <topic>');
    const size = resolved.bounded(flags.initSample) ?? 1000;
    // The topic made a plain name (the spec checks a given --name) always is one.
    const streamName = resolved.string(flags.initName) ?? topic.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
    const timeoutMs = resolved.duration(flags.initTimeout) ?? 60_000;
    const given = resolved.string(options.config);
    const file = given ? resolve(given) : findConfig() ?? resolve(configNames[0]);
    const bootstrap = resolved.requireString(options.kafkaBrokers);

    // The file first: a refusal costs nothing to learn.
    const existing = existsSync(file) ? await readFile(file, 'utf8') : undefined;
    if (existing !== undefined) {
      const streams = await loadPipelineFile(file, log).then((c) => c.streams, () => []);
      const shown = relative(process.cwd(), file) || file;
      // A stream already reading the topic is no obstacle: the new one has its own consumer group and objects.
      if (streams.some((s) => s.name === streamName)) {
        out(`${shown} already has a stream ${streamName}: give another --name, or --dry-run and compare\n`);
        return initExit.exists;
      }
    }

    await waitForKafka(bootstrap, { timeoutMs, signal });
    const started = performance.now();
    let lastProgress = started;
    let sample;
    try {
      sample = await sampleTopic({
        bootstrap, topic, size, timeoutMs, signal,
        progress: (read) => {
          const now = performance.now();
          if (now - lastProgress < 2000) return;
          lastProgress = now;
          log.info(`read ${read.toLocaleString('en-US')} of ${size.toLocaleString('en-US')} messages, ${Math.round((read * 1000) / (now - started)).toLocaleString('en-US')} messages/s`);
        },
      });
    } catch (error) {
      if (isKchError(error) && /does not exist/.test(error.message)) {
        out(`${error.message}: check the name (kch status lists the pipeline's topics) and --kafka-brokers\n`);
        return initExit.noTopic;
      }
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    if (sample.messages.length === 0) {
      out(`topic ${topic} is empty (${sample.partitions} partition${sample.partitions === 1 ? '' : 's'}, no message between the earliest and the end offsets): nothing to infer from; produce a few messages first\n`);
      return initExit.empty;
    }
    const parsed = parseSample(sample.messages);
    if (parsed.objects.length === 0) {
      out(`topic ${topic}: none of the ${sample.messages.length.toLocaleString('en-US')} messages sampled is a JSON object (${[...parsed.unreadable].map(([why, count]) => `${count} ${why}`).join(', ')}); kch ingests JSON objects, one per message\n`);
      return initExit.noObjects;
    }
    const inference = inferFromSample(sample.messages, { name: streamName, topic });
    if (inference.unsupportedKeys.length) {
      log.warn(`keys that are not plain names cannot be columns and will make their messages dead letters: ${inference.unsupportedKeys.slice(0, 10).join(', ')}`);
    }
    if (inference.fields.length === 0) throw new KchError(ErrorCodes.USAGE, `topic ${topic}: the sampled objects have no field kch can take`);
    const stream = definitionOf(inference);
    const replay = replaySample(stream, sample.messages);
    out(renderReport(inference, replay, { topic, sampled: sample.messages.length, available: sample.available, partitions: sample.partitions, seconds }));

    // A stream whose own sample mostly fails is no stream to migrate: said loudly, not written.
    const share = replay.deadLetters / replay.messages;
    const refused = share > DEAD_LETTER_LIMIT && !resolved.boolean(flags.initForce);
    if (refused) {
      out(`\n${replay.deadLetters.toLocaleString('en-US')} of ${replay.messages.toLocaleString('en-US')} sampled messages (${Math.round(share * 100)} %) would be dead letters, more than ${DEAD_LETTER_LIMIT * 100} %: ${resolved.boolean(flags.initDryRun) ? 'the file below would be refused' : 'nothing written'}. Fix the producer or edit the definition (kch init --dry-run prints it), or write it anyway with --force.\n`);
      if (!resolved.boolean(flags.initDryRun)) return initExit.deadLetters;
    }
    const facts = { sampled: sample.messages.length, date: new Date().toISOString().slice(0, 10), bootstrap };
    const source = existing === undefined ? configSource(inference, facts) : addStream(existing, inference, facts);
    const shown = relative(process.cwd(), file) || file;
    if (source === undefined && resolved.boolean(flags.initDryRun)) {
      out(`\n--- the stream, to paste into ${shown} and list in its defineConfig (dry run; ${shown} is not init's, so init does not edit it)\n${streamSource(inference, facts)}\n`);
      return refused ? initExit.deadLetters : 0;
    }
    if (source === undefined) {
      out(`\n${shown} exists and was not written by kch init, so it is left alone: add the stream yourself (kch init --dry-run prints it), or write another file with --config\n`);
      return initExit.exists;
    }
    if (resolved.boolean(flags.initDryRun)) {
      out(`\n--- ${shown} (dry run: not written)\n${source}`);
      return refused ? initExit.deadLetters : 0;
    }
    await writeFile(file, source);
    const next = inference.changes?.envelope === 'json' ? `kch migrate, then kch sink (its tombstones delete: the Kafka engine skips them), and kch status ${streamName}` : `kch migrate, then kch status ${streamName}`;
    out(`\n${existing === undefined ? 'wrote' : 'added stream to'} ${shown} (stream ${streamName}); next: ${next}\n`);
    return 0;
  },
});
