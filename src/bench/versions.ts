/** Versions of the programs and packages measured. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** kcat's version and its librdkafka's, or undefined when kcat is not installed. */
export function kcatVersion(): string | undefined {
  const probe = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  if (probe.status !== 0 || probe.error) return undefined;
  const version = /Version ([\w.-]+)/.exec(probe.stdout)?.[1];
  const librdkafka = /librdkafka ([\w.-]+)/.exec(probe.stdout)?.[1];
  return version ? `${version}${librdkafka ? ` (librdkafka ${librdkafka})` : ''}` : 'unknown version';
}

export function javaVersion(): string {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return /version "([^"]+)"/.exec(probe.stderr ?? '')?.[1] ?? 'unknown';
}

/** An installed npm package's version. */
export function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}
