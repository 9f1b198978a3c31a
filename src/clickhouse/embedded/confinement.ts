/**
 * What the embedded ClickHouse may touch outside its tables. chdb runs ClickHouse as
 * clickhouse-local, which trusts its caller: `file()` reads and writes any path, `url()` and
 * `remote()` reach any host, a dictionary's EXECUTABLE source runs any command, the default
 * database overlays the whole file system (`SELECT * FROM '/etc/passwd'`), and every setting or
 * clause that names a file takes any path. Served over HTTP, that would hand the user's files to
 * anyone who can reach the port.
 *
 * Checked on chdb 3.4 (ClickHouse 26.7), and the reason the HTTP layer has to do part of the work:
 * chdb fixes `user_files_path` to '' (every path) and resolves relative paths against the
 * process's working directory (the project folder), whatever the configuration says; it shows
 * `format_schema_path` from the configuration in system.server_settings but does not use it; and
 * it ignores `access_control_improvements.table_engines_require_grant`, so a TABLE ENGINE grant
 * binds only the engines that have a source (File, URL, S3, …).
 *
 * By the server's own means, in the configuration written here into the data folder on every
 * start:
 *
 * Grants: the one user holds every grant but
 * - SOURCES (FILE, URL, REMOTE, S3, HDFS, MYSQL, POSTGRES, ODBC, JDBC, MONGO, …) except KAFKA:
 *   table functions (file(), filesystem(), icebergLocal(), url(), …), file-system databases and
 *   the overlay's file paths are refused by the engine;
 * - TABLE ENGINE, except ALLOWED_TABLE_ENGINES: File, URL, Executable, SQLite… tables (the engines
 *   that have a source) are refused;
 * - CREATE DICTIONARY: dictionary sources (FILE, HTTP, EXECUTABLE, CLICKHOUSE) do their own I/O;
 * - NAMED COLLECTION ADMIN: a collection could hand a Kafka table settings no statement shows;
 * - SYSTEM JEMALLOC: FLUSH PROFILE writes a heap profile into /tmp;
 * - SYSTEM SHUTDOWN.
 *
 * The profile's constraints (FIXED_SETTINGS: a query cannot change them, by SETTINGS, SET or URL
 * parameter alike; the engine answers SETTING_CONSTRAINT_VIOLATION):
 * - format_template_row, format_template_resultset: a file read as the Template format's
 *   template, whose text came back in the error. `format_template_row_format` and
 *   `format_template_resultset_format` still take a template inline.
 * - format_schema (Protobuf, CapnProto): a schema file at any path, relative ones in the working
 *   directory. With format_schema_source 'string' or 'query' the schema's text is cached as a
 *   file there too. Empty: Protobuf uses the schema it generates from the columns.
 * - output_format_schema: a file the generated schema is written to, any path.
 * - input_format_record_errors_file_path: a file the rejected rows are written to, any path.
 * - Every way a statement's text reaches the engine without passing statement.ts, which refuses
 *   `file(…)` (the scalar function checks no grant): Values data evaluates expressions
 *   (input_format_values_interpret_expressions, input_format_values_deduce_templates_of_expressions:
 *   `INSERT … FORMAT Values` with the rows in the body, `format(Values, '…')`, a Kafka table of
 *   Values), additional_table_filters and additional_result_filter are parsed as SQL, eval() runs
 *   a query from a string (allow_experimental_eval_table_function), and another dialect
 *   (`dialect`) is not ClickHouse's SQL. Values take literals only: `now()` in VALUES is refused.
 *
 * Server configuration: user_scripts_path is the data folder's (executable() finds nothing
 * there); no host is allowed to url(), s3() and HTTP dictionaries. `backups.allowed_path` and
 * `backups.allowed_disk` stay unset: BACKUP and RESTORE to File(…) or Disk(…), and the Backup
 * database engine, are refused.
 *
 * Where the server has no means, the HTTP layer refuses the statement (statement.ts,
 * `escapesDataFolder`, with POLICY below):
 * - `file(…)`, the scalar function;
 * - `disk(…)` in `SETTINGS disk = …` (MergeTree tables, databases, ALTER … MODIFY SETTING): the
 *   engine makes the disk, its folder created, and keeps it registered (a Log table can then use
 *   it by name) before it checks `custom_local_disks_base_directory`, and a `local_blob_storage`
 *   disk is not checked at all; any function whose name starts with `disk`, as ClickHouse tells;
 * - a table engine outside ALLOWED_TABLE_ENGINES and a database engine outside
 *   ALLOWED_DATABASE_ENGINES, since the grants do not bind them: EmbeddedRocksDB writes into any
 *   folder, FileLog reads files under the working directory, QueryRunner runs the statements
 *   inserted into it, which the HTTP layer never sees;
 * - a setting of FIXED_SETTINGS, or a Kafka table's `kafka_schema`, assigned in a statement other
 *   than SELECT, INSERT and SET (which the constraints hold): a table or a view keeps it and
 *   applies it without the profile's constraints (a Kafka table with format_template_row read the
 *   file at its first INSERT); and a Kafka table's schema as its sixth argument;
 * - `ATTACH TABLE … FROM '<path>'`: the folder, under the working directory, is moved into the
 *   data folder;
 * - `INTO OUTFILE` and `FROM INFILE`, as clickhouse-server's HTTP interface does.
 *
 * Harmless as they are, tried on this server: `FREEZE WITH NAME` escapes the name into shadow/;
 * SYSTEM UNFREEZE is disabled; `disk = '<name>'` and `storage_policy` name configured disks only
 * (the data folder); temporary data of sorts and aggregations goes into the data folder's tmp/
 * (whatever system.server_settings says of tmp_path); KeeperMap needs keeper_map_path_prefix,
 * which is unset; catboostEvaluate has no library bridge; fuzzJSON takes JSON text, not a file;
 * executable UDF drivers (`CREATE FUNCTION … ENGINE`) and WebAssembly UDFs are off in the server
 * settings; parallel_replicas_custom_key is used only with a cluster, and there is none. The
 * other server paths (dictionaries_lib_path, top_level_domains_path, google_protos_path, …) are
 * not a query's to set, and are reached only through what is refused above.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Table engines a table can be made with: those a pipeline uses, and those keeping their data in the data folder. */
export const ALLOWED_TABLE_ENGINES = [
  'MergeTree', 'ReplacingMergeTree', 'SummingMergeTree', 'AggregatingMergeTree', 'CollapsingMergeTree',
  'VersionedCollapsingMergeTree', 'CoalescingMergeTree', 'GraphiteMergeTree',
  'Log', 'TinyLog', 'StripeLog', 'Memory', 'Null', 'Kafka',
] as const;

export const ALLOWED_DATABASE_ENGINES = ['Atomic', 'Memory'] as const;

/** Query settings held at a fixed value by the profile's constraints, and that value. */
export const FIXED_SETTINGS: Readonly<Record<string, string>> = {
  format_template_row: '',
  format_template_resultset: '',
  format_schema: '',
  output_format_schema: '',
  input_format_record_errors_file_path: '',
  input_format_values_interpret_expressions: '0',
  input_format_values_deduce_templates_of_expressions: '0',
  additional_table_filters: '{}',
  additional_result_filter: '',
  allow_experimental_eval_table_function: '0',
  dialect: 'clickhouse',
};

/** What the HTTP layer refuses, for statement.ts's `escapesDataFolder`. */
export const POLICY = {
  tableEngines: ALLOWED_TABLE_ENGINES,
  databaseEngines: ALLOWED_DATABASE_ENGINES,
  storedSettings: [...Object.keys(FIXED_SETTINGS), 'kafka_schema'],
} as const;

export const CONFIG_FILE = 'kch-server.xml';
export const USERS_FILE = 'kch-users.xml';

/** The statements that make the grants of the embedded server's one user, in order. */
export function grantStatements(): string[] {
  return [
    'GRANT ALL ON *.*',
    'REVOKE SOURCES ON *.*',
    'REVOKE TABLE ENGINE ON *',
    'REVOKE CREATE DICTIONARY ON *.*',
    'REVOKE NAMED COLLECTION ADMIN ON *',
    'REVOKE SYSTEM JEMALLOC ON *.*',
    'REVOKE SYSTEM SHUTDOWN ON *.*',
    'GRANT KAFKA ON *.*',
    `GRANT ${ALLOWED_TABLE_ENGINES.map((engine) => `TABLE ENGINE ON ${engine}`).join(', ')}`,
  ];
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * users.xml: one user, `default`, without a password (the HTTP layer checks the configured one),
 * whose profile holds FIXED_SETTINGS at their values.
 */
export function usersXml(): string {
  const grants = grantStatements().map((sql) => `        <query>${xmlText(sql)}</query>`).join('\n');
  const fixed = Object.entries(FIXED_SETTINGS);
  const values = fixed.map(([name, value]) => `      <${name}>${xmlText(value)}</${name}>`).join('\n');
  const constraints = fixed.map(([name]) => `        <${name}><readonly/></${name}>`).join('\n');
  return `<!-- Written by kch clickhouse on every start: edits are lost. See src/clickhouse/embedded/confinement.ts. -->
<clickhouse>
  <profiles>
    <default>
${values}
      <constraints>
${constraints}
      </constraints>
    </default>
  </profiles>
  <quotas><default/></quotas>
  <users>
    <default>
      <password></password>
      <networks><ip>::/0</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
      <grants>
${grants}
      </grants>
    </default>
  </users>
</clickhouse>
`;
}

/** The server configuration: the users above, the scripts folder in `dataDir`, no remote host. */
export function serverXml(dataDir: string): string {
  return `<!-- Written by kch clickhouse on every start: edits are lost. See src/clickhouse/embedded/confinement.ts. -->
<clickhouse>
  <users_config>${xmlText(join(dataDir, USERS_FILE))}</users_config>
  <user_scripts_path>${xmlText(`${join(dataDir, 'user_scripts')}/`)}</user_scripts_path>
  <!-- No host is allowed: url(), s3() and HTTP dictionaries are refused before they connect. -->
  <remote_url_allow_hosts><host>kch-no-remote-access.invalid</host></remote_url_allow_hosts>
</clickhouse>
`;
}

/** Writes both files into `dataDir` (readable by the user only) and returns the engine argument naming them. */
export async function writeConfinement(dataDir: string): Promise<string[]> {
  const config = join(dataDir, CONFIG_FILE);
  const users = join(dataDir, USERS_FILE);
  await writeFile(users, usersXml(), { mode: 0o600 });
  await writeFile(config, serverXml(dataDir), { mode: 0o600 });
  // writeFile's mode applies only when it creates the file.
  await Promise.all([chmod(users, 0o600), chmod(config, 0o600)]);
  return [`--config-file=${config}`];
}
