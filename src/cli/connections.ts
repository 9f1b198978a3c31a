import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../clickhouse/client.js';
import { options, type OptionSpec } from '../config/options.js';
import { resolveOptions, type ResolvedOptions } from '../config/resolve.js';
import { ErrorCodes, KchError } from '../errors.js';
import { kafkaTableSettings } from '../kafka/security.js';
import type { PipelineTarget } from '../pipeline/plan.js';

/** Options every command that reaches ClickHouse takes. */
export const clickhouseOptions = [options.clickhouseUrl, options.clickhouseUser, options.clickhousePassword, options.clickhouseDatabase] as const;

export function clickhouseFrom(resolved: ResolvedOptions, database?: string): ClickHouseClient {
  const url = resolved.requireString(options.clickhouseUrl);
  try {
    new URL(url);
  } catch {
    throw new KchError(ErrorCodes.USAGE, `--clickhouse-url must be a URL such as http://127.0.0.1:8123, got ${JSON.stringify(url)}`);
  }
  return createClickHouse({
    url,
    user: resolved.string(options.clickhouseUser) ?? 'default',
    password: resolved.string(options.clickhousePassword) ?? '',
    database: database ?? resolved.string(options.clickhouseDatabase) ?? 'default',
  });
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function pipelineTargetFrom(resolved: ResolvedOptions): PipelineTarget {
  const database = resolved.string(options.clickhouseDatabase) ?? 'default';
  if (!identifier.test(database)) throw new KchError(ErrorCodes.USAGE, `--database must be a plain identifier (letters, digits, _), got ${JSON.stringify(database)}`);
  const topicPrefix = resolved.string(options.topicPrefix) ?? '';
  if (topicPrefix && !/^[A-Za-z0-9._-]+$/.test(topicPrefix)) throw new KchError(ErrorCodes.USAGE, `--topic-prefix may hold letters, digits, ".", "_" and "-" only, got ${JSON.stringify(topicPrefix)}`);
  const brokers = resolved.string(options.kafkaBrokersForClickhouse) || resolved.requireString(options.kafkaBrokers);
  const kafkaSettings = kafkaTableSettings();
  const flushIntervalMs = kafkaTableNumber(resolved, options.flushInterval, 500, 1, 600_000);
  const consumers = kafkaTableNumber(resolved, options.consumers, 1, 1, 64);
  return { database, brokers, topicPrefix, flushIntervalMs, consumers, ...(Object.keys(kafkaSettings).length ? { kafkaSettings } : {}) };
}

/**
 * A Kafka-table setting: from the command line where the command takes it (migrate), else from
 * the environment, so that commands which only compare the plan (status, verify, …) see the
 * plan migrate applied.
 */
function kafkaTableNumber(resolved: ResolvedOptions, spec: OptionSpec, fallback: number, min: number, max: number): number {
  const source = resolved.declares(spec) ? resolved : resolveOptions([spec], [], process.env, false);
  const value = source.integer(spec) ?? fallback;
  if (value < min || value > max) throw new KchError(ErrorCodes.USAGE, `--${spec.flag} must be between ${min} and ${max} (${spec.env}), got ${value}`);
  return value;
}
