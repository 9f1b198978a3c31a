/**
 * A Java program's jars, fetched once from Maven Central with `mvn` into a cache folder and reused
 * after: Maven resolves a whole runtime from the few coordinates of a pom in this package
 * (kafka/pom.xml for the broker, connect/pom.xml for Kafka Connect), which spares us shipping or
 * downloading release tarballs. Also where the `java` that runs them is found and checked.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rename, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWritableFolder } from './folders.js';
import { ErrorCodes, KchError, messageOf, type ErrorCode } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import { isAlive } from './processes.js';

/** What to fetch, and how to speak of it in messages. */
export interface JarSet {
  /** As messages name it: `Kafka 4.4.0`. */
  readonly label: string;
  readonly pomPath: string;
  /** The pom's text: a changed pom (another log4j, say) must trigger a new fetch. */
  readonly pom: string;
  /** The release the cache's marker records, e.g. `4.4.0`. */
  readonly version: string;
  /** The cache's sub-folder for this set, e.g. `kafka-4.4.0`. */
  readonly folder: string;
  /** The code of a failed fetch (KAFKA_FETCH, CONNECT_FETCH). */
  readonly fetchCode: ErrorCode;
  /** What the jars are for, in the message when mvn is missing: `the Kafka broker's jars`. */
  readonly purpose: string;
  /** What a user without Maven can do instead, appended to that message. */
  readonly otherwise: string;
}

export interface FetchedJars {
  /** For `java -cp`: every jar of the set. */
  readonly classpath: string;
  readonly jarsDir: string;
}

/** The oldest Java the Kafka 4.x broker and Connect worker run on. */
export const MIN_JAVA = 17;

const MARKER = 'complete.json';

interface Marker {
  readonly version: string;
  readonly pomSha256: string;
  readonly jars: number;
  readonly fetchedAt: string;
}

/** The set's jars, from the cache when a complete fetch of the same pom is there, else with Maven. */
export async function ensureJars(set: JarSet, options: { readonly cacheDir: string; readonly log: Logger }): Promise<FetchedJars> {
  const { log } = options;
  const versionDir = resolve(options.cacheDir, set.folder);
  const jarsDir = join(versionDir, 'jars');
  const pomSha256 = createHash('sha256').update(set.pom).digest('hex');
  const result: FetchedJars = { classpath: classpathOf(jarsDir), jarsDir };

  if (await isComplete(versionDir, set.version, pomSha256)) {
    log.debug(`${set.label} jars cached in ${jarsDir}`);
    return result;
  }

  await ensureWritableFolder(versionDir, 'cache folder', 'cache-dir');
  await checkMaven(set);
  log.info(`fetching ${set.label} jars with Maven (first run only)…`);
  const started = performance.now();
  await removeAbandonedPartials(versionDir);
  // Fetch beside the final folder and rename, so an interrupted fetch never looks complete and
  // two fetches at once do not mix their files.
  const partial = join(versionDir, `jars.partial-${process.pid}`);
  await rm(partial, { recursive: true, force: true });
  await runMaven(set, partial);
  const jars = (await readdir(partial)).filter((name) => name.endsWith('.jar'));
  if (jars.length === 0) throw new KchError(set.fetchCode, `Maven finished but fetched no jars into ${partial}`);
  if (await isComplete(versionDir, set.version, pomSha256)) {
    // Another kch finished the same fetch meanwhile and may be running from it: keep its copy.
    await rm(partial, { recursive: true, force: true });
    log.info(`${set.label} jars were fetched meanwhile by another kch; using those`);
    return result;
  }
  await rm(jarsDir, { recursive: true, force: true });
  await rename(partial, jarsDir);
  const marker: Marker = { version: set.version, pomSha256, jars: jars.length, fetchedAt: new Date().toISOString() };
  await writeFile(join(versionDir, `${MARKER}.tmp`), `${JSON.stringify(marker, null, 2)}\n`);
  await rename(join(versionDir, `${MARKER}.tmp`), join(versionDir, MARKER));
  const megabytes = (await totalSize(jarsDir, jars)) / 1_048_576;
  log.info(`fetched ${set.label} (${jars.length} jars, ${megabytes.toFixed(0)} MB) in ${seconds(started)} s into ${jarsDir}`);
  return result;
}

/** A `<name>` property of a pom, e.g. `<kafka.version>4.4.0</kafka.version>`. */
export function pomProperty(pom: string, name: string): string | undefined {
  const escaped = name.replace(/\./g, '\\.');
  return new RegExp(`<${escaped}>\\s*([^<\\s]+)\\s*</${escaped}>`).exec(pom)?.[1];
}

/**
 * A file of this package (`kafka/pom.xml`), found by walking up from this module: it runs from
 * `dist/host/` when installed and from `dist-test/src/host/` in tests, so a fixed `../..` would
 * not do. `code` is the error a broken install gives.
 */
export function packageFile(relative: string, code: ErrorCode): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new KchError(code, `cannot find ${relative} in this package (a broken install?); reinstall kch`);
    dir = parent;
  }
}

/** Reads a pom of this package, failing with `code`. */
export async function readPom(pomPath: string, code: ErrorCode): Promise<string> {
  try {
    return await readFile(pomPath, 'utf8');
  } catch (error) {
    throw new KchError(code, `cannot read ${pomPath}: ${messageOf(error)}`, { cause: error });
  }
}

/** Java's `dir/*` wildcard: keeps `ps` readable and the command line short. */
function classpathOf(jarsDir: string): string {
  return join(jarsDir, '*');
}

async function isComplete(versionDir: string, version: string, pomSha256: string): Promise<boolean> {
  try {
    const marker = JSON.parse(await readFile(join(versionDir, MARKER), 'utf8')) as Partial<Marker>;
    if (marker.version !== version || marker.pomSha256 !== pomSha256) return false;
    const jars = (await readdir(join(versionDir, 'jars'))).filter((name) => name.endsWith('.jar'));
    return jars.length === marker.jars;
  } catch {
    return false;
  }
}

/** Left behind by a fetch that was killed: tens of MB each, worth removing once their owner is gone. */
async function removeAbandonedPartials(versionDir: string): Promise<void> {
  for (const name of await readdir(versionDir)) {
    const pid = /^jars\.partial-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !isAlive(Number(pid))) {
      await rm(join(versionDir, name), { recursive: true, force: true });
    }
  }
}

/** The `java` to use: `$JAVA_HOME/bin/java` when JAVA_HOME is set (as Kafka's scripts do), else PATH. */
export function javaExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.JAVA_HOME;
  if (home) return join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
  return 'java';
}

const installJava = `install a JDK ${MIN_JAVA} or newer (e.g. \`apt-get install openjdk-${MIN_JAVA}-jre-headless\`, \`brew install openjdk@${MIN_JAVA}\`, or https://adoptium.net) and put it on PATH or set JAVA_HOME`;

/** Who needs Java, for its messages: `the local Kafka broker` and `Kafka 4`. */
export interface JavaUser {
  readonly what: string;
  readonly release: string;
}

/** Fails with MISSING_TOOL unless a Java new enough for `user` is there; returns its path. */
export async function checkJava(user: JavaUser): Promise<string> {
  const java = javaExecutable();
  const run = await capture(java, ['-version'], 30_000);
  if (run.missing) {
    const where = java === 'java' ? 'java is not on PATH' : `JAVA_HOME has no ${java}`;
    throw new KchError(ErrorCodes.MISSING_TOOL, `${where}: ${user.what} needs it; ${installJava}`);
  }
  const major = javaMajorVersion(run.output);
  if (major === undefined) {
    throw new KchError(ErrorCodes.MISSING_TOOL, `cannot tell which Java ${java} is (\`${java} -version\` said: ${firstLine(run.output)}); ${installJava}`);
  }
  if (major < MIN_JAVA) {
    throw new KchError(ErrorCodes.MISSING_TOOL, `${java} is Java ${major} but ${user.release} needs ${MIN_JAVA} or newer: ${installJava}`);
  }
  return java;
}

/** The major version from `java -version` output: `"17.0.15"` → 17, `"1.8.0_292"` → 8. */
export function javaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(output);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

function mavenExecutable(): string {
  return process.platform === 'win32' ? 'mvn.cmd' : 'mvn';
}

async function checkMaven(set: JarSet): Promise<void> {
  const run = await capture(mavenExecutable(), ['-v'], 60_000);
  if (run.missing) throw mavenMissing(set);
}

function mavenMissing(set: JarSet): KchError {
  return new KchError(ErrorCodes.MISSING_TOOL, `mvn (Apache Maven) is not on PATH: it is needed once, to fetch ${set.purpose}; install it (e.g. \`apt-get install maven\`, \`brew install maven\`)${set.otherwise}`);
}

async function runMaven(set: JarSet, outputDir: string): Promise<void> {
  const args = [
    '-B', '-q', '-Dstyle.color=never', '-f', set.pomPath,
    'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${outputDir}`,
  ];
  const run = await capture(mavenExecutable(), args, 30 * 60_000);
  if (run.missing) throw mavenMissing(set);
  if (run.code !== 0) {
    const tail = lastLines(run.output, 15);
    const how = run.code === null ? 'was stopped' : `exited with code ${run.code}`;
    throw new KchError(
      set.fetchCode,
      `Maven ${how} fetching the ${set.label} jars (is Maven Central reachable? proxies go in ~/.m2/settings.xml). Maven said:\n${tail || '(nothing)'}`,
      { details: { args } },
    );
  }
}

interface Captured {
  readonly missing: boolean;
  readonly code: number | null;
  readonly output: string;
}

/** Runs a program to completion, collecting stdout and stderr together (the tail is what matters). */
function capture(command: string, args: readonly string[], timeoutMs: number): Promise<Captured> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    // Our own timer rather than spawn's `timeout`: that one is not cleared when the program is
    // missing, and would keep the process alive after the error.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      // Maven can be chatty; the last 256 KiB hold the error.
      while (size > 262_144 && chunks.length > 1) size -= (chunks.shift() as Buffer).length;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT' || error.code === 'EACCES') resolvePromise({ missing: true, code: null, output: '' });
      else reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ missing: false, code, output: stripAnsi(Buffer.concat(chunks).toString('utf8')) });
    });
  });
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}

export function lastLines(text: string, count: number): string {
  return text.split(/\r?\n/).map((line) => line.trimEnd()).filter((line) => line !== '').slice(-count).join('\n');
}

function firstLine(text: string): string {
  return text.split(/\r?\n/).find((line) => line.trim() !== '')?.trim() ?? '(nothing)';
}

async function totalSize(dir: string, names: readonly string[]): Promise<number> {
  let total = 0;
  for (const name of names) total += (await stat(join(dir, name))).size;
  return total;
}

function seconds(startedAt: number): string {
  return ((performance.now() - startedAt) / 1000).toFixed(1);
}
