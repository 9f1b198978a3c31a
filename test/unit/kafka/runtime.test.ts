/**
 * Fetching and caching the broker's jars, with stand-in `mvn` and `java` scripts on PATH so the
 * test needs neither the network nor a JDK.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { createLogger } from '../../../src/output/log.js';
import { defaultPomPath, ensureKafkaRuntime, kafkaVersionOf } from '../../../src/kafka/runtime.js';
import { javaMajorVersion, lastLines } from '../../../src/host/maven-jars.js';

const quiet = createLogger('test', () => undefined);
const posix = process.platform !== 'win32';

test('the package pom is found from the compiled module and names the Kafka release', async () => {
  const pom = await readFile(defaultPomPath(), 'utf8');
  assert.equal(kafkaVersionOf(pom), '4.4.0');
  assert.equal(kafkaVersionOf('<project/>'), undefined);
});

test('java -version parsing: modern and 1.x numbering', () => {
  assert.equal(javaMajorVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment'), 17);
  assert.equal(javaMajorVersion('openjdk version "21" 2023-09-19'), 21);
  assert.equal(javaMajorVersion('java version "1.8.0_292"'), 8);
  assert.equal(javaMajorVersion('openjdk version "25-ea" 2025-09-16'), 25);
  assert.equal(javaMajorVersion('command not found'), undefined);
});

test('lastLines keeps the last non-empty lines', () => {
  assert.equal(lastLines('a\n\nb\nc\n\n', 2), 'b\nc');
});

interface Sandbox {
  readonly dir: string;
  readonly cacheDir: string;
  readonly pomPath: string;
  mavenRuns(): Promise<number>;
}

/** A temp folder with a copy of the pom, fake `mvn` and `java`, and PATH/JAVA_HOME pointing at them. */
async function sandbox(t: { after(fn: () => Promise<void> | void): void }, javaVersion = '17.0.15'): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'kch-runtime-'));
  const bin = join(dir, 'bin');
  await mkdir(join(dir, 'jdk', 'bin'), { recursive: true });
  await mkdir(bin);
  const runs = join(dir, 'mvn-runs');
  await writeFile(join(bin, 'mvn'), `#!/bin/sh
[ "$1" = "-v" ] && { echo "Apache Maven 3.8.7"; exit 0; }
echo run >> "${runs}"
if [ -n "$FAKE_MVN_FAIL" ]; then
  i=0; while [ $i -lt 30 ]; do echo "[INFO] noise line $i"; i=$((i+1)); done
  echo "[ERROR] Failed to execute goal: Could not resolve dependencies" >&2
  exit 1
fi
for arg in "$@"; do
  case "$arg" in -DoutputDirectory=*) out="\${arg#-DoutputDirectory=}";; esac
done
mkdir -p "$out" && echo jar > "$out/kafka_2.13-4.4.0.jar" && echo jar > "$out/kafka-clients-4.4.0.jar"
`);
  await writeFile(join(dir, 'jdk', 'bin', 'java'), `#!/bin/sh\necho 'openjdk version "${javaVersion}" 2025-04-15' >&2\n`);
  await chmod(join(bin, 'mvn'), 0o755);
  await chmod(join(dir, 'jdk', 'bin', 'java'), 0o755);
  const pomPath = join(dir, 'pom.xml');
  await writeFile(pomPath, await readFile(defaultPomPath(), 'utf8'));
  const saved = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME };
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ''}`;
  process.env.JAVA_HOME = join(dir, 'jdk');
  t.after(async () => {
    process.env.PATH = saved.PATH;
    if (saved.JAVA_HOME === undefined) delete process.env.JAVA_HOME;
    else process.env.JAVA_HOME = saved.JAVA_HOME;
    delete process.env.FAKE_MVN_FAIL;
    await rm(dir, { recursive: true, force: true });
  });
  return {
    dir,
    cacheDir: join(dir, 'cache'),
    pomPath,
    mavenRuns: async () => (existsSync(runs) ? (await readFile(runs, 'utf8')).split('\n').filter(Boolean).length : 0),
  };
}

test('first call fetches with Maven and marks the cache complete; later calls reuse it', { skip: !posix }, async (t) => {
  const box = await sandbox(t);
  const first = await ensureKafkaRuntime({ cacheDir: box.cacheDir, log: quiet, pomPath: box.pomPath });
  assert.equal(first.version, '4.4.0');
  assert.equal(first.jarsDir, join(box.cacheDir, 'kafka-4.4.0', 'jars'));
  assert.equal(first.classpath, join(first.jarsDir, '*'));
  assert.equal(first.java, join(box.dir, 'jdk', 'bin', 'java'));
  assert.deepEqual((await readdir(first.jarsDir)).sort(), ['kafka-clients-4.4.0.jar', 'kafka_2.13-4.4.0.jar']);
  assert.ok(existsSync(join(box.cacheDir, 'kafka-4.4.0', 'complete.json')));
  const second = await ensureKafkaRuntime({ cacheDir: box.cacheDir, log: quiet, pomPath: box.pomPath });
  assert.deepEqual(second, first);
  assert.equal(await box.mavenRuns(), 1);
  // No partial folders left behind.
  assert.deepEqual((await readdir(join(box.cacheDir, 'kafka-4.4.0'))).sort(), ['complete.json', 'jars']);
});

test('a fetch without its completion marker is redone, and so is one for a changed pom', { skip: !posix }, async (t) => {
  const box = await sandbox(t);
  await ensureKafkaRuntime({ cacheDir: box.cacheDir, log: quiet, pomPath: box.pomPath });
  await rm(join(box.cacheDir, 'kafka-4.4.0', 'complete.json'));
  await ensureKafkaRuntime({ cacheDir: box.cacheDir, log: quiet, pomPath: box.pomPath });
  assert.equal(await box.mavenRuns(), 2);
  await writeFile(box.pomPath, `${await readFile(box.pomPath, 'utf8')}\n<!-- changed -->\n`);
  await ensureKafkaRuntime({ cacheDir: box.cacheDir, log: quiet, pomPath: box.pomPath });
  assert.equal(await box.mavenRuns(), 3);
});

test('a failed Maven run is KAFKA_FETCH with the tail of its output, and leaves no marker', { skip: !posix }, async (t) => {
  const box = await sandbox(t);
  process.env.FAKE_MVN_FAIL = '1';
  await assert.rejects(ensureKafkaRuntime({ cacheDir: box.cacheDir, log: quiet, pomPath: box.pomPath }), (error: unknown) => {
    assert.ok(error instanceof KchError);
    assert.equal(error.code, ErrorCodes.KAFKA_FETCH);
    assert.match(error.message, /Could not resolve dependencies/);
    assert.doesNotMatch(error.message, /noise line 5\b/);
    return true;
  });
  assert.ok(!existsSync(join(box.cacheDir, 'kafka-4.4.0', 'complete.json')));
});

test('Java older than 17 is MISSING_TOOL, one line saying how to get a newer one', { skip: !posix }, async (t) => {
  const box = await sandbox(t, '11.0.2');
  await assert.rejects(ensureKafkaRuntime({ cacheDir: box.cacheDir, log: quiet, pomPath: box.pomPath }), (error: unknown) => {
    assert.ok(error instanceof KchError);
    assert.equal(error.code, ErrorCodes.MISSING_TOOL);
    assert.match(error.message, /Java 11 but Kafka 4 needs 17/);
    assert.ok(!error.message.includes('\n'));
    return true;
  });
});

test('a missing java is MISSING_TOOL naming JAVA_HOME', { skip: !posix }, async (t) => {
  const box = await sandbox(t);
  process.env.JAVA_HOME = join(box.dir, 'nowhere');
  await assert.rejects(ensureKafkaRuntime({ cacheDir: box.cacheDir, log: quiet, pomPath: box.pomPath }),
    (error: unknown) => error instanceof KchError && error.code === ErrorCodes.MISSING_TOOL && /JAVA_HOME/.test(error.message));
});
