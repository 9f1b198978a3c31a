/**
 * The Kafka Connect worker's jars with Debezium's PostgreSQL connector: fetched once from Maven
 * Central with `mvn` (connect/pom.xml) into the cache folder the broker's jars are kept in, beside
 * them (src/host/maven-jars.ts).
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import { checkJava, ensureJars, packageFile, pomProperty, readPom } from '../host/maven-jars.js';

export interface ConnectRuntime {
  /** For `java -cp`: the worker, its converters and the connector, all on one class path. */
  readonly classpath: string;
  /** Kafka release of the worker (`connect-runtime`), e.g. `4.3.0`. */
  readonly version: string;
  /** Debezium release, e.g. `3.6.1.Final`. */
  readonly debeziumVersion: string;
  readonly jarsDir: string;
  /** The `java` executable to run the worker with (honours JAVA_HOME). */
  readonly java: string;
}

export interface EnsureConnectRuntimeOptions {
  readonly cacheDir: string;
  readonly log: Logger;
  /** Defaults to the package's own connect/pom.xml. */
  readonly pomPath?: string;
}

export async function ensureConnectRuntime(options: EnsureConnectRuntimeOptions): Promise<ConnectRuntime> {
  const pomPath = options.pomPath ?? packageFile('connect/pom.xml', ErrorCodes.CONNECT_FETCH);
  const pom = await readPom(pomPath, ErrorCodes.CONNECT_FETCH);
  const version = pomProperty(pom, 'connect.version');
  const debeziumVersion = pomProperty(pom, 'debezium.version');
  if (version === undefined || debeziumVersion === undefined) {
    throw new KchError(ErrorCodes.CONNECT_FETCH, `${pomPath} lacks a <connect.version> or <debezium.version> property`);
  }
  const java = await checkJava({ what: 'the Kafka Connect worker', release: 'Kafka Connect 4' });
  const release = `${version}-debezium-${debeziumVersion}`;
  const jars = await ensureJars({
    label: `Kafka Connect ${version} with Debezium ${debeziumVersion}`, pomPath, pom, version: release, folder: `connect-${release}`,
    fetchCode: ErrorCodes.CONNECT_FETCH, purpose: 'the Kafka Connect worker\'s jars', otherwise: ' or run a Kafka Connect of your own',
  }, options);
  return { ...jars, version, debeziumVersion, java };
}
