/**
 * What the embedded ClickHouse may touch outside its tables. chdb runs ClickHouse as
 * clickhouse-local, which trusts its caller: `file()` reads and writes any path, `url()` and
 * `remote()` reach any host, a dictionary's EXECUTABLE source runs any command, and the default
 * database overlays the whole file system (`SELECT * FROM '/etc/passwd'`). A stock server confines
 * these to `user_files_path` and its grants; clickhouse-local skips those path checks. Served over
 * HTTP, that would hand the user's files to anyone who can reach the port.
 *
 * ClickHouse's own access control still runs in clickhouse-local, so the engine is started with a
 * configuration (written into the data folder on every start) whose only user holds every grant
 * but these:
 * - SOURCES (FILE, URL, REMOTE, S3, HDFS, MYSQL, POSTGRES, ODBC, JDBC, MONGO, …) except KAFKA:
 *   table functions, file-system databases and the overlay's file paths are refused by the engine;
 * - TABLE ENGINE, except the engines a pipeline uses: File, URL, Executable… tables are refused;
 * - CREATE DICTIONARY: dictionary sources (FILE, HTTP, EXECUTABLE, CLICKHOUSE) do their own I/O;
 * - SYSTEM SHUTDOWN.
 * The scalar function `file()` checks no grant; the HTTP layer refuses it (statement.ts). Paths
 * ClickHouse would use for user files, scripts and format schemas point inside the data folder.
 * The Kafka engine keeps its network access: that is what it is for.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Engines a pipeline's tables use; any other engine needs a grant the user does not have. */
export const ALLOWED_TABLE_ENGINES = ['MergeTree', 'Null', 'Kafka', 'Memory'] as const;

export const CONFIG_FILE = 'kch-server.xml';
export const USERS_FILE = 'kch-users.xml';

/** The statements that make the grants of the embedded server's one user, in order. */
export function grantStatements(): string[] {
  return [
    'GRANT ALL ON *.*',
    'REVOKE SOURCES ON *.*',
    'REVOKE TABLE ENGINE ON *',
    'REVOKE CREATE DICTIONARY ON *.*',
    'REVOKE SYSTEM SHUTDOWN ON *.*',
    'GRANT KAFKA ON *.*',
    `GRANT ${ALLOWED_TABLE_ENGINES.map((engine) => `TABLE ENGINE ON ${engine}`).join(', ')}`,
  ];
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** users.xml: one user, `default`, without a password (the HTTP layer checks the configured one). */
export function usersXml(): string {
  const grants = grantStatements().map((sql) => `        <query>${xmlText(sql)}</query>`).join('\n');
  return `<!-- Written by kch clickhouse on every start: edits are lost. See src/clickhouse/embedded/confinement.ts. -->
<clickhouse>
  <profiles><default/></profiles>
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

/** The server configuration: the users above, and every path ClickHouse reads on a query's behalf kept in `dataDir`. */
export function serverXml(dataDir: string): string {
  const inside = (name: string): string => xmlText(`${join(dataDir, name)}/`);
  return `<!-- Written by kch clickhouse on every start: edits are lost. See src/clickhouse/embedded/confinement.ts. -->
<clickhouse>
  <users_config>${xmlText(join(dataDir, USERS_FILE))}</users_config>
  <user_files_path>${inside('user_files')}</user_files_path>
  <user_scripts_path>${inside('user_scripts')}</user_scripts_path>
  <format_schema_path>${inside('format_schemas')}</format_schema_path>
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
