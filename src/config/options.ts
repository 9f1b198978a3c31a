/**
 * Every setting a user can give, once: its flag, its environment variable, its default, its
 * description and what values it takes. `--help`, the README's table and the Compose file's
 * environment are all checked against `options`, so they cannot drift apart; `flags` holds the
 * flags of one run of a command, which have no environment variable.
 */
import { ingestModes } from '../pipeline/stream.js';

export type OptionType = 'string' | 'integer' | 'number' | 'boolean' | 'duration';

export interface OptionSpec {
  /** Flag name without dashes: `kafka-brokers` → `--kafka-brokers`. */
  readonly flag: string;
  /** Environment variable that sets it when the flag is absent. */
  readonly env?: string;
  readonly type: OptionType;
  /** Default value as a user would type it; undefined means "no default". */
  readonly default?: string;
  readonly description: string;
  /** Secret values are never printed (help shows only whether one is set). */
  readonly secret?: boolean;
  /** Short alias, one letter. */
  readonly short?: string;
  /**
   * Environment variable naming a file that holds the value (Docker and Kubernetes secrets), read
   * when neither the flag nor `env` is set; one trailing newline is dropped.
   */
  readonly fileEnv?: string;
  /** The values a string takes, matched regardless of case and read back as written here. */
  readonly choices?: readonly string[];
  /** A string's form beyond its type: a test, and what the value must be, for the error. */
  readonly form?: { readonly test: (value: string) => boolean; readonly expected: string };
  /** Bounds of an integer or number, inclusive (read with `ResolvedOptions.bounded`). */
  readonly min?: number;
  readonly max?: number;
}

/** ClickHouse names kch writes unquoted: databases, clusters, streams. */
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function option<const T extends OptionSpec>(spec: T): T {
  return spec;
}

/** A port a local service listens on: a whole number a socket takes (0: any free one, where the service allows it). */
function port(flag: string, env: string, defaultPort: string, of: string): OptionSpec {
  return { flag, env, type: 'integer', default: defaultPort, min: 0, max: 65_535, description: `Port of ${of}` };
}

/** A PEM file of the certificate authority a TLS client trusts instead of the system's. */
function caFile(flag: string, env: string, signed: string): OptionSpec {
  return { flag, env, type: 'string', description: `PEM file of the certificate authority that signed ${signed}; the system's CAs otherwise.` };
}

/**
 * A secret: from its environment variable or the file `<env>_FILE` names (Docker and Kubernetes
 * secrets), never from a flag (`ps` would show it), never printed.
 */
function secret(flag: string, env: string, description: string): OptionSpec {
  return { flag, env, fileEnv: `${env}_FILE`, type: 'string', default: '', secret: true, description };
}

export const options = {
  config: option({
    flag: 'config', env: 'KCH_CONFIG', type: 'string',
    description: 'Pipeline file defining the streams (kch.config.ts, .mts, .js or .mjs). Default: the kch.config.* of the current folder; without one, the seed\'s two streams (sales, warehouse).',
  }),
  kafkaBrokers: option({
    flag: 'kafka-brokers', env: 'KAFKA_BROKERS', type: 'string', default: '127.0.0.1:9092',
    description: 'Kafka bootstrap servers, comma-separated host:port. With `kch up`, giving it means an external Kafka: no local broker is started.',
  }),
  clickhouseUrl: option({
    flag: 'clickhouse-url', env: 'CLICKHOUSE_URL', type: 'string', default: 'http://127.0.0.1:8123',
    // `ch.example:8123` parses as a URL whose scheme is `ch.example:`: the scheme is checked too.
    form: { test: isHttpUrl, expected: 'an http:// or https:// URL such as http://127.0.0.1:8123' },
    description: 'ClickHouse HTTP interface. With `kch up`, giving it means an external ClickHouse: no embedded one is started.',
  }),
  clickhouseCaFile: caFile('clickhouse-ca-file', 'CLICKHOUSE_CA_FILE', 'an https:// ClickHouse\'s certificate'),
  clickhouseUser: option({
    flag: 'clickhouse-user', env: 'CLICKHOUSE_USER', type: 'string', default: 'default',
    description: 'ClickHouse user.',
  }),
  clickhousePassword: secret('clickhouse-password', 'CLICKHOUSE_PASSWORD',
    'ClickHouse password (environment only: a flag would show in `ps`), or CLICKHOUSE_PASSWORD_FILE naming a file that holds it. The embedded server requires it when set.'),
  clickhouseDatabase: option({
    flag: 'database', env: 'CLICKHOUSE_DATABASE', type: 'string', default: 'default',
    form: { test: (value) => identifier.test(value), expected: 'a plain identifier (letters, digits, _)' },
    description: 'Database that holds the pipeline\'s tables.',
  }),
  clickhouseCluster: option({
    flag: 'cluster', env: 'CLICKHOUSE_CLUSTER', type: 'string',
    // Empty: no cluster.
    form: { test: (value) => value === '' || identifier.test(value), expected: 'a cluster\'s name as in system.clusters (letters, digits, _)' },
    description: 'A ClickHouse cluster (as in system.clusters): every object ON CLUSTER, tables replicated under <name>_local and read through a Distributed <name>.',
  }),
  clusterPath: option({
    flag: 'cluster-path', env: 'CLICKHOUSE_CLUSTER_PATH', type: 'string', default: '/clickhouse/tables/{shard}/{database}/{table}',
    description: 'Each replicated table\'s path in ZooKeeper/Keeper ({database} and {table} filled in by kch; other macros by the server).',
  }),
  clusterReplica: option({
    flag: 'cluster-replica', env: 'CLICKHOUSE_CLUSTER_REPLICA', type: 'string', default: '{replica}',
    description: 'The replica name of each replicated table: a macro every server of the cluster defines.',
  }),
  kafkaSecurityProtocol: option({
    flag: 'kafka-security-protocol', env: 'KAFKA_SECURITY_PROTOCOL', type: 'string', default: 'plaintext',
    choices: ['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'],
    description: 'How clients and ClickHouse\'s Kafka tables talk to an external Kafka: plaintext, ssl, sasl_plaintext or sasl_ssl.',
  }),
  kafkaSaslMechanism: option({
    flag: 'kafka-sasl-mechanism', env: 'KAFKA_SASL_MECHANISM', type: 'string', default: 'PLAIN',
    choices: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
    description: 'SASL mechanism with sasl_plaintext or sasl_ssl: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.',
  }),
  kafkaSaslUsername: option({
    flag: 'kafka-sasl-username', env: 'KAFKA_SASL_USERNAME', type: 'string',
    description: 'SASL user name (written into the Kafka tables\' settings; the password never is).',
  }),
  kafkaSaslPassword: secret('kafka-sasl-password', 'KAFKA_SASL_PASSWORD',
    'SASL password: environment only, or KAFKA_SASL_PASSWORD_FILE naming a file that holds it. The embedded ClickHouse takes it as server configuration; an external ClickHouse needs it in its config.xml (<kafka><sasl_password>).'),
  kafkaCaFile: caFile('kafka-ca-file', 'KAFKA_CA_FILE', 'the brokers\' certificates (ssl, sasl_ssl)'),
  kafkaBrokersForClickhouse: option({
    flag: 'kafka-brokers-for-clickhouse', env: 'KAFKA_BROKERS_FOR_CLICKHOUSE', type: 'string',
    description: 'Broker list written into the Kafka-engine tables, when ClickHouse reaches Kafka by another address than this CLI does (in Compose: kafka:19092). Defaults to --kafka-brokers.',
  }),
  topicPrefix: option({
    flag: 'topic-prefix', env: 'KCH_TOPIC_PREFIX', type: 'string', default: '',
    form: { test: (value) => /^[A-Za-z0-9._-]*$/.test(value), expected: 'letters, digits, ".", "_" and "-" only' },
    description: 'Prefix for topic names and consumer groups (the seed\'s names when empty).',
  }),
  dataDir: option({
    flag: 'data-dir', env: 'KCH_DATA_DIR', type: 'string', default: '.kch/data',
    description: 'Where local services keep their data and logs (one sub-folder each).',
  }),
  cacheDir: option({
    flag: 'cache-dir', env: 'KCH_CACHE_DIR', type: 'string', default: '.kch/cache',
    description: 'Where the Kafka broker\'s and the Kafka Connect worker\'s jars are cached after the first fetch.',
  }),
  host: option({
    flag: 'host', env: 'KCH_HOST', type: 'string', default: '127.0.0.1',
    description: 'Address local services listen on. Anything but loopback exposes them to the network.',
  }),
  kafkaPort: port('kafka-port', 'KAFKA_PORT', '9092', 'the local Kafka broker\'s client listener.'),
  kafkaControllerPort: port('kafka-controller-port', 'KAFKA_CONTROLLER_PORT', '9093', 'the local Kafka broker\'s KRaft controller listener.'),
  kafkaNodes: option({
    flag: 'kafka-nodes', env: 'KAFKA_NODES', type: 'integer', default: '1',
    description: 'Local Kafka brokers: 1, or a cluster of 3 (up to 5) on this machine, each partition kept on 3 of them; node n takes --kafka-port + 2(n−1).',
  }),
  kafkaHeap: option({
    flag: 'kafka-heap', env: 'KAFKA_HEAP', type: 'string', default: '384m',
    description: 'JVM heap of the local Kafka broker (-Xmx).',
  }),
  connectPort: port('connect-port', 'CONNECT_PORT', '8083', 'the local Kafka Connect worker\'s REST API (`kch connect`, `kch up --connect`); it listens on 127.0.0.1 only.'),
  connectUrl: option({
    flag: 'connect-url', env: 'CONNECT_URL', type: 'string', default: 'http://127.0.0.1:8083',
    form: { test: isHttpUrl, expected: 'an http:// or https:// URL such as http://127.0.0.1:8083' },
    description: 'Kafka Connect REST API that `kch cdc` registers connectors with and `kch status` and `kch verify --against` ask (`kch connect` listens on 127.0.0.1:--connect-port).',
  }),
  sourceUrl: option({
    flag: 'source-url', env: 'KCH_SOURCE_URL', type: 'string',
    description: 'The PostgreSQL database of `kch cdc add` and `kch verify --against`: postgresql://user@host:port/database. Its password is best left out of it: PGPASSWORD.',
  }),
  sourcePassword: option({
    flag: 'source-password', env: 'PGPASSWORD', fileEnv: 'PGPASSWORD_FILE', type: 'string', default: '', secret: true,
    description: 'Password of the PostgreSQL user when the URL has none: environment only (a URL given as an argument shows in `ps`), or PGPASSWORD_FILE naming a file that holds it.',
  }),
  clickhousePort: port('clickhouse-port', 'CLICKHOUSE_PORT', '8123', 'the embedded ClickHouse\'s HTTP interface.'),
  clickhouseMaxMemory: option({
    flag: 'clickhouse-max-memory', env: 'CLICKHOUSE_MAX_MEMORY', type: 'string', default: '1G',
    description: 'Memory limit of one query in the embedded ClickHouse (max_memory_usage).',
  }),
  dashboardPort: port('dashboard-port', 'DASHBOARD_PORT', '3000', 'the dashboard.'),
  dashboardToken: secret('dashboard-token', 'DASHBOARD_TOKEN',
    'Token the dashboard, its API and /metrics require (`Authorization: Bearer <token>`; a browser may pass `?token=` once and keeps a cookie). Without one, a dashboard listening beyond loopback warns at start; environment only, or DASHBOARD_TOKEN_FILE naming a file that holds it.'),
  rate: option({
    flag: 'rate', env: 'GENERATOR_RATE', type: 'string', default: 'seed',
    description: 'Events per second: a number, `max` (as fast as the broker takes them), or `seed` (one event every 0.5–1.5 s, like the original).',
  }),
  count: option({
    flag: 'count', env: 'GENERATOR_COUNT', type: 'integer', min: 0,
    description: 'Stop after this many events (default: run until stopped).',
  }),
  duration: option({
    flag: 'duration', env: 'GENERATOR_DURATION', type: 'duration',
    description: 'Stop after this long, e.g. 30s, 5m, 1h (default: run until stopped).',
  }),
  seed: option({
    flag: 'seed', env: 'GENERATOR_SEED', type: 'integer',
    description: 'Random seed: the same seed gives the same events, ids included (event_time is the clock when each is made). Default: random.',
  }),
  flushInterval: option({
    flag: 'flush-interval-ms', env: 'KAFKA_FLUSH_INTERVAL_MS', type: 'integer', default: '500', min: 1, max: 600_000,
    description: 'kafka_flush_interval_ms of the Kafka tables: the longest an event waits before its block is written. Lower is fresher and writes more parts; higher writes fewer, larger parts (BENCHMARKS.md: 500 ms gives p95 0.6 s and ~3.5 parts/s at 5,000 events/s, 1000 ms 1.1 s and ~1.9). Changing it on a running pipeline is drift: apply it with --apply-drift.',
  }),
  ingest: option({
    flag: 'ingest', env: 'KCH_INGEST', type: 'string', default: 'engine', choices: ingestModes,
    description: 'How messages reach ClickHouse, for every stream without an ingest of its own: engine (ClickHouse\'s Kafka tables, the seed\'s design; at least once) or sink (kch sink inserts them with a deduplication token per partition and offset range: exactly once, docs/guarantees.md). Switching a running stream loses and repeats nothing: kch migrate swaps its input table, and the new transport goes on from the consumer group\'s committed offsets.',
  }),
  consumers: option({
    flag: 'consumers', env: 'KAFKA_CONSUMERS', type: 'integer', default: '1', min: 1, max: 64,
    description: 'kafka_num_consumers of each Kafka table: consumers (and insert threads) per stream. More than one pays only with as many topic partitions (--partitions) and idle cores; ClickHouse refuses more than its cores. Changing it on a running pipeline is drift: apply it with --apply-drift.',
  }),
  workers: option({
    flag: 'workers', env: 'GENERATOR_WORKERS', type: 'string', default: 'auto',
    description: 'Threads making and sending events, each with its own producer and a seed derived from --seed: `auto` is 1 up to 150,000 events/s and one per core (at most 4) above, and for --rate max.',
  }),
  partitions: option({
    flag: 'partitions', env: 'KAFKA_PARTITIONS', type: 'integer', default: '1', min: 1,
    description: 'Partitions for topics the generator creates when they are missing.',
  }),
  badRatio: option({
    flag: 'bad-ratio', env: 'GENERATOR_BAD_RATIO', type: 'number', default: '0', min: 0, max: 1,
    description: 'Share of generated messages made malformed on purpose (0..1): invalid JSON, wrong type, missing field, invalid UTF-8, out of range, oversized, in turn; deterministic with --seed.',
  }),
  verifyCount: option({
    flag: 'count', env: 'VERIFY_COUNT', type: 'integer', default: '100000', min: 1,
    description: 'Events `kch verify` produces (both streams, 70/30 like the generator).',
  }),
  verifyRate: option({
    flag: 'rate', env: 'VERIFY_RATE', type: 'string', default: '2000',
    description: 'Events per second `kch verify` produces, or `max` (as fast as Kafka acknowledges; freshness then measures the backlog).',
  }),
  verifyTimeout: option({
    flag: 'timeout', env: 'VERIFY_TIMEOUT', type: 'duration', default: '2m',
    description: 'How long `kch verify` waits, after the last acknowledgement, for every event to reach ClickHouse; events still missing then count as lost.',
  }),
  verifyBadRatio: option({
    flag: 'bad-ratio', env: 'VERIFY_BAD_RATIO', type: 'number', default: '0', min: 0, max: 1,
    description: 'Share of `kch verify` events made invalid on purpose (0..1), to prove they land in the dead-letter tables instead of being lost.',
  }),
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof options;

/** Flags several commands take, each worded below for what it does there. */
const json = { flag: 'json', type: 'boolean' } as const;
const dryRun = { flag: 'dry-run', type: 'boolean' } as const;
const wait = { flag: 'wait', type: 'duration' } as const;

/**
 * Flags of one run of a command: what to do this time, not how the stack is set up, so no
 * environment variable (`kch kafka --nodes` excepted: `kch up --kafka-nodes` under a short name).
 */
export const flags = {
  statusJson: option({ ...json, description: 'Print JSON (one object; with --watch, one line per look).' }),
  verifyJson: option({ ...json, description: 'Print the report as one JSON object instead of a table.' }),
  dlqJson: option({ ...json, description: 'list: print JSON (raw as text, plus raw_hex when it is not valid UTF-8).' }),
  migrateDryRun: option({ ...dryRun, description: 'Show the plan and its SQL; change nothing.' }),
  initDryRun: option({ ...dryRun, description: 'Print the pipeline file instead of writing it.' }),
  dlqDryRun: option({ ...dryRun, description: 'replay: count and fix up, send nothing.' }),
  migrateWait: option({ ...wait, default: '60s', description: 'How long to wait for ClickHouse and Kafka to answer.' }),
  resumeWait: option({ ...wait, default: '60s', description: 'How long to wait for the consumer to get its partitions again (0: do not wait).' }),
  replayWait: option({ ...wait, default: '2m', description: 'How long to wait for the consumer group to empty and, with --dedupe, for the range to be read again.' }),

  dlqLimit: option({ flag: 'limit', type: 'integer', default: '20', min: 0, description: 'list: show at most this many, newest first.' }),
  dlqWhere: option({ flag: 'where', type: 'string', description: 'A SQL condition over the dead-letter table (raw, error, topic, partition, offset, kafka_timestamp, seen_at), e.g. "error LIKE \'%quantity%\'".' }),
  // The states of src/ops/dead-letters.ts (DeadLetterState).
  dlqState: option({ flag: 'state', type: 'string', choices: ['pending', 'replayed', 'claimed'], description: 'list: only pending, replayed or claimed (held by a replay) dead letters.' }),

  initFromTopic: option({ flag: 'from-topic', type: 'string', description: 'The topic to sample and infer a stream from.' }),
  initSample: option({ flag: 'sample', type: 'integer', default: '1000', min: 1, max: 10_000_000, description: 'Messages to sample, from the earliest offset of each partition.' }),
  initName: option({
    flag: 'name', type: 'string', form: { test: (value) => identifier.test(value), expected: 'a plain name (letters, digits, _)' },
    description: 'The stream\'s name (and its target table\'s); default: the topic, made a plain name.',
  }),
  initTimeout: option({ flag: 'timeout', type: 'duration', default: '60s', description: 'How long to wait for Kafka and to read the sample.' }),
  initForce: option({ flag: 'force', type: 'boolean', description: 'Write the stream even when more of the sample would be dead letters than init accepts (see above).' }),

  // Only for this command: CI warms the jar cache with it before the tests run.
  kafkaFetchOnly: option({ flag: 'fetch-only', type: 'boolean', description: 'Only fetch the broker\'s jars into --cache-dir (needs mvn), then exit.' }),
  kafkaNodes: option({ ...options.kafkaNodes, flag: 'nodes' }),

  migrateApplyDrift: option({
    flag: 'apply-drift', type: 'boolean',
    description: 'Evolve the streams whose objects differ from their definition, where that is safe: pause, add the new target columns, make the Kafka table and views again with the same consumer group, resume (--dry-run prints the plan).',
  }),

  queryFormat: option({
    flag: 'format', short: 'f', type: 'string', default: 'PrettyCompactMonoBlock',
    description: 'ClickHouse output format: PrettyCompactMonoBlock (a table), JSONEachRow, CSV, TabSeparated, …',
  }),

  replayFrom: option({ flag: 'from', type: 'string', description: 'Where to read again from: an ISO time (2026-01-31T10:00:00Z), an offset on every partition (1200), or per partition (0:1200,1:900).' }),
  replayDedupe: option({
    flag: 'dedupe', type: 'boolean',
    description: 'Once the range is read again, delete the copies: rows written since the replay whose event_id was there before it, and dead letters read twice.',
  }),

  statusWatch: option({ flag: 'watch', short: 'w', type: 'boolean', description: 'Look again every --window until Ctrl-C.' }),
  statusWindow: option({
    flag: 'window', type: 'duration', default: '2s',
    description: 'Time between the two looks health is judged from (a lag with no commit in between is a stopped consumer).',
  }),

  sourceTable: option({
    flag: 'table', type: 'string', form: { test: (value) => /^[^.\s]+(\.[^.\s]+)?$/.test(value), expected: 'schema.table, or a table of the public schema' },
    description: 'The PostgreSQL table: schema.table (public.<table> when no schema is given).',
  }),
  cdcName: option({
    flag: 'name', type: 'string', form: { test: (value) => identifier.test(value), expected: 'a plain name (letters, digits, _)' },
    description: 'The stream\'s name (and its target table\'s); default: the table\'s name without its schema.',
  }),
  cdcDryRun: option({ ...dryRun, description: 'Print the stream, the connector\'s config (password hidden) and the steps; change nothing.' }),
  cdcDropStream: option({ flag: 'drop-stream', type: 'boolean', description: 'remove: also drop the stream\'s ClickHouse objects (its rows with them) and take it out of kch.config.ts.' }),
  cdcWait: option({ ...wait, default: '2m', description: 'How long to wait for PostgreSQL, Kafka Connect and the connector to run.' }),
  verifyAgainst: option({ flag: 'against', type: 'string', description: 'Compare a change stream\'s live rows with this PostgreSQL database\'s table (--table) instead of producing events: postgresql://user@host:port/database.' }),
  verifyStream: option({ flag: 'stream', type: 'string', description: 'With --against: the stream that captures the table; default: the stream whose topic is the table\'s.' }),

  upNoGenerate: option({ flag: 'no-generate', type: 'boolean', description: 'Start everything but the generator.' }),
  upConnect: option({
    flag: 'connect', type: 'boolean',
    description: 'Also start a Kafka Connect worker with Debezium (kch connect) once Kafka is ready, its REST API on 127.0.0.1:--connect-port.',
  }),
} as const satisfies Record<string, OptionSpec>;
