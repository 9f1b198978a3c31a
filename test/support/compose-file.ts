/**
 * Reads a Compose file of this repository into a small model, for test/unit/deploy/: either as
 * docker-compose normalized it (scripts/check-compose.sh writes that output; KCH_COMPOSE_CONFIG
 * names docker-compose.yml's, and docker-compose.cluster.yml's lies beside it, see
 * normalizedClusterConfig) or parsed here, with .env.example's values filled in the way Compose
 * does. Both sources map onto the same model, so that a test can compare them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { options, type OptionSpec } from '../../src/config/options.js';

export interface Port {
  readonly hostIp: string;
  readonly published: number | undefined;
  readonly target: number;
}

/** A volume or bind mount; a bind mount's source is an absolute path. */
export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly bind: boolean;
  readonly readOnly: boolean;
}

export interface Service {
  build: boolean;
  image: string | undefined;
  command: string[];
  environment: Map<string, string>;
  ports: Port[];
  volumes: Mount[];
  /** Service it depends on → condition. */
  dependsOn: Map<string, string>;
  /** The check's command; undefined when there is none or it is disabled. */
  healthcheck: string[] | undefined;
  restart: string | undefined;
  /** Compose profiles: a service with one starts only when it is asked for. */
  profiles: string[];
}

export type Compose = Map<string, Service>;

/** One `${NAME…}` in the Compose file. */
export interface Reference {
  readonly name: string;
  readonly operator: '' | ':-' | '-' | ':?' | '?';
  readonly argument: string;
}

export interface EnvExample {
  readonly values: Map<string, string>;
  /** Names whose line directly follows a comment. */
  readonly documented: Set<string>;
}

export const optionsByEnv = new Map<string, OptionSpec>(
  Object.values(options).flatMap((spec: OptionSpec) => (spec.env ? [[spec.env, spec] as const] : [])),
);

function repoRoot(): string {
  // Compiled tests live one level deeper (dist-test/…) than their sources: walk up.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'docker-compose.yml')) || !existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('docker-compose.yml not found above the test');
    dir = parent;
  }
  return dir;
}

/** The checkout's root, where the Compose files are. */
export const root = repoRoot();
export const read = (name: string): string => readFileSync(join(root, name), 'utf8');

function record(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${where}: expected a mapping`);
  }
  return value as Record<string, unknown>;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new Error(`expected a scalar, got ${JSON.stringify(value)}`);
}

/** Compose accepts a map or a `NAME=value` list. */
function environmentOf(value: unknown): Map<string, string> {
  if (value === undefined) return new Map();
  if (Array.isArray(value)) {
    return new Map(value.map((entry) => {
      const [name = '', ...rest] = scalar(entry).split('=');
      return [name, rest.join('=')];
    }));
  }
  return new Map(Object.entries(record(value, 'environment')).map(([k, v]) => [k, scalar(v)]));
}

/** Short (`127.0.0.1:8123:8123/tcp`) or long (`{ host_ip, published, target }`) syntax. */
export function portOf(value: unknown): Port {
  if (typeof value === 'object' && value !== null) {
    const long = record(value, 'port');
    const published = scalar(long.published);
    return {
      hostIp: scalar(long.host_ip) || '0.0.0.0',
      published: published === '' ? undefined : Number(published),
      target: Number(long.target),
    };
  }
  const text = scalar(value).replace(/\/(tcp|udp)$/, '');
  const match = /^(?:(\[[^\]]+\]|[^:]+):)?(?:(\d+):)?(\d+)$/.exec(text);
  if (!match) throw new Error(`unreadable port "${text}"`);
  // Two parts are published:target, one is a target published on a random port.
  const [, first, second, target] = match;
  const hostIp = second === undefined ? '0.0.0.0' : (first ?? '0.0.0.0');
  const published = second ?? (first !== undefined && /^\d+$/.test(first) ? first : undefined);
  return { hostIp, published: published === undefined ? undefined : Number(published), target: Number(target) };
}

/**
 * Short (`./deploy/x.xml:/etc/x.xml:ro`, `data:/var/lib/x`) or long (`{ type, source, target,
 * read_only }`) syntax. A relative bind source is taken from `base`, the Compose file's folder, as
 * docker-compose does when it normalizes.
 */
export function mountOf(value: unknown, base: string): Mount {
  const bindSource = (source: string): boolean => source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
  const absolute = (source: string): string => (isAbsolute(source) ? source : resolve(base, source));
  if (typeof value === 'object' && value !== null) {
    const long = record(value, 'volume');
    const source = scalar(long.source);
    const bind = scalar(long.type) === 'bind';
    return { source: bind ? absolute(source) : source, target: scalar(long.target), bind, readOnly: long.read_only === true };
  }
  const parts = scalar(value).split(':');
  if (parts.length === 1) return { source: '', target: parts[0] as string, bind: false, readOnly: false };
  const [source = '', target = '', mode = 'rw'] = parts;
  const bind = bindSource(source);
  return { source: bind ? absolute(source) : source, target, bind, readOnly: mode.split(',').includes('ro') };
}

function dependsOnOf(value: unknown): Map<string, string> {
  if (value === undefined) return new Map();
  if (Array.isArray(value)) return new Map(value.map((name) => [scalar(name), 'service_started']));
  return new Map(Object.entries(record(value, 'depends_on')).map(([name, spec]) => [
    name, scalar(record(spec, `depends_on.${name}`).condition) || 'service_started',
  ]));
}

function healthcheckOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const check = record(value, 'healthcheck');
  if (check.disable === true) return undefined;
  const testValue = check.test;
  const command = Array.isArray(testValue) ? testValue.map(scalar) : testValue === undefined ? [] : ['CMD-SHELL', scalar(testValue)];
  return command.length === 0 || command[0] === 'NONE' ? undefined : command;
}

/** `base`: the folder relative bind mounts are taken from (the Compose file's). */
export function composeOf(document: unknown, base: string = root): Compose {
  const services = record(record(document, 'compose file').services, 'services');
  return new Map(Object.entries(services).map(([name, raw]) => {
    const s = record(raw, `services.${name}`);
    const command = Array.isArray(s.command) ? s.command.map(scalar) : s.command === undefined ? [] : scalar(s.command).split(/\s+/);
    return [name, {
      build: s.build !== undefined,
      image: s.image === undefined ? undefined : scalar(s.image),
      command,
      environment: environmentOf(s.environment),
      ports: Array.isArray(s.ports) ? s.ports.map(portOf) : [],
      volumes: Array.isArray(s.volumes) ? s.volumes.map((v) => mountOf(v, base)) : [],
      dependsOn: dependsOnOf(s.depends_on),
      healthcheck: healthcheckOf(s.healthcheck),
      restart: s.restart === undefined ? undefined : scalar(s.restart),
      profiles: Array.isArray(s.profiles) ? s.profiles.map(scalar) : [],
    }];
  }));
}

const referencePattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function referencesIn(text: string): Reference[] {
  const unescaped = text.replaceAll('$$', '');
  return [...unescaped.matchAll(referencePattern)].map((m) => ({
    name: (m[1] ?? m[4]) as string,
    operator: (m[2] ?? '') as Reference['operator'],
    argument: m[3] ?? '',
  }));
}

/** Every string value of a parsed document (keys are not interpolated by Compose). */
function* stringsOf(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* stringsOf(item);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) yield* stringsOf(item);
}

/** Compose's interpolation, for the forms docker-compose 1.29 knows. */
export function interpolate(text: string, vars: ReadonlyMap<string, string>): string {
  const parts = text.split('$$');
  // A form this reader does not know (e.g. v2's ${VAR:+alt}) must not pass as literal text.
  if (parts.some((part) => part.replace(referencePattern, '').includes('${'))) throw new Error(`unsupported interpolation in "${text}"`);
  return parts.map((part) => part.replace(referencePattern, (_all, braced?: string, operator?: string, argument?: string, bare?: string) => {
    const name = (braced ?? bare) as string;
    const value = vars.get(name);
    switch (operator) {
      case ':-': return value ? value : (argument ?? '');
      case '-': return value ?? argument ?? '';
      case ':?': if (!value) throw new Error(`${name}: ${argument}`); return value;
      case '?': if (value === undefined) throw new Error(`${name}: ${argument}`); return value;
      default: return value ?? '';
    }
  })).join('$');
}

function interpolated(value: unknown, vars: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((item) => interpolated(item, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolated(v, vars)]));
  }
  return value;
}

export function envExampleOf(text: string): EnvExample {
  const values = new Map<string, string>();
  const documented = new Set<string>();
  let previous = '';
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) {
      const name = match[1] as string;
      values.set(name, (match[2] as string).replace(/^(['"])(.*)\1$/, '$2'));
      if (previous.startsWith('#')) documented.add(name);
    }
    previous = line;
  }
  return { values, documented };
}

export const envExample = envExampleOf(read('.env.example'));

/** Where scripts/check-compose.sh writes docker-compose.cluster.yml's normalized config: beside docker-compose.yml's, `.yml` replaced by `.cluster.yml`. */
export function normalizedClusterConfig(normalized: string): string {
  return `${normalized.replace(/\.yml$/, '')}.cluster.yml`;
}

/** One Compose file of the repository, as the tests read it. */
export interface ComposeFile {
  /** The file as docker-compose normalized it, else as parsed here. */
  readonly compose: Compose;
  /** Where `compose` came from, for the tests' names. */
  readonly source: string;
  /** Whether `compose` is docker-compose's own output. */
  readonly normalized: boolean;
  /** Every `${…}` the raw file holds. */
  readonly references: Reference[];
  /** The raw file as Compose would run it with .env.example as its .env (the test's own reader). */
  fromRaw(): Compose;
}

/**
 * `name` (a Compose file at the root), read from `normalized` when given; without it, parsed here.
 * A path given but unreadable means the step that writes it broke: that throws, never falls back.
 */
export function loadComposeFile(name: string, normalized: string | undefined): ComposeFile {
  const raw: unknown = parse(read(name), { merge: true });
  const fromRaw = (): Compose => composeOf(interpolated(raw, envExample.values), root);
  const references = [...stringsOf(raw)].flatMap(referencesIn);
  if (normalized) {
    return { compose: composeOf(parse(readFileSync(normalized, 'utf8')), root), source: normalized, normalized: true, references, fromRaw };
  }
  return { compose: fromRaw(), source: `${name} (parsed by the test)`, normalized: false, references, fromRaw };
}

/** Both Compose files' rule: migrate is one-shot (no restart policy), every other service restarts. */
export function checkRestart(compose: Compose): string[] {
  const problems: string[] = [];
  for (const [name, service] of compose) {
    const none = service.restart === undefined || service.restart === 'no';
    if (name === 'migrate' && !none) problems.push(`migrate is one-shot but has restart: ${service.restart}`);
    if (name !== 'migrate' && none) problems.push(`${name} has no restart policy`);
  }
  return problems;
}
