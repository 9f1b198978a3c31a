/**
 * The Kafka broker's jars: fetched once from Maven Central with `mvn` into a cache folder and
 * reused after (src/host/maven-jars.ts). Maven resolves the broker's whole runtime from one
 * coordinate (see kafka/pom.xml), which spares us shipping or downloading a 120 MB release tarball.
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import { checkJava, ensureJars, packageFile, pomProperty, readPom } from '../host/maven-jars.js';

export interface KafkaRuntime {
  /** For `java -cp`: every jar of the broker's runtime. */
  readonly classpath: string;
  /** Kafka release, e.g. `4.4.0`. */
  readonly version: string;
  readonly jarsDir: string;
  /** The `java` executable to run the broker with (honours JAVA_HOME). */
  readonly java: string;
}

export interface EnsureKafkaRuntimeOptions {
  readonly cacheDir: string;
  readonly log: Logger;
  /** Defaults to the package's own kafka/pom.xml. */
  readonly pomPath?: string;
}

export async function ensureKafkaRuntime(options: EnsureKafkaRuntimeOptions): Promise<KafkaRuntime> {
  const pomPath = options.pomPath ?? defaultPomPath();
  const pom = await readPom(pomPath, ErrorCodes.KAFKA_FETCH);
  const version = kafkaVersionOf(pom);
  if (version === undefined) throw new KchError(ErrorCodes.KAFKA_FETCH, `${pomPath} has no <kafka.version> property`);
  const java = await checkJava({ what: 'the local Kafka broker', release: 'Kafka 4' });
  const jars = await ensureJars({
    label: `Kafka ${version}`, pomPath, pom, version, folder: `kafka-${version}`, fetchCode: ErrorCodes.KAFKA_FETCH,
    purpose: 'the Kafka broker\'s jars', otherwise: ' or point --kafka-brokers at an existing Kafka',
  }, options);
  return { ...jars, version, java };
}

/** `<kafka.version>` from the pom: the release we run and name the cache folder after. */
export function kafkaVersionOf(pom: string): string | undefined {
  return pomProperty(pom, 'kafka.version');
}

/** The package's kafka/pom.xml. */
export function defaultPomPath(): string {
  return packageFile('kafka/pom.xml', ErrorCodes.KAFKA_FETCH);
}
