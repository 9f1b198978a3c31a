import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { OptionSpec } from './options.js';

/** Where a value came from: the command line, or the environment variable (or file variable) named. */
type Source = { readonly kind: 'flag' } | { readonly kind: 'env'; readonly variable: string };

/**
 * Values of a command's options after flags, then environment, then defaults. Reading a value
 * checks it against its spec (type, `choices`, `form`; `bounded` adds `min` and `max`), and a bad
 * one is a usage error of one line naming the flag, the value and, when it came from there, the
 * environment variable.
 */
export class ResolvedOptions {
  constructor(
    private readonly raw: ReadonlyMap<string, string | boolean>,
    private readonly sources: ReadonlyMap<string, Source>,
    readonly positionals: readonly string[],
    private readonly specs: ReadonlySet<string> = new Set(),
  ) {}

  /** Whether the user set it (flag or environment), as opposed to a default. */
  given_(spec: OptionSpec): boolean {
    return this.sources.has(spec.flag);
  }

  /** Whether the command declared this option (its flag, environment variable and default apply). */
  declares(spec: OptionSpec): boolean {
    return this.specs.has(spec.flag);
  }

  /**
   * These options where the command declares `spec`, else the environment's: for settings every
   * process of a stack must agree on, read by commands that do not take them on the command line.
   */
  orEnvironment(spec: OptionSpec): ResolvedOptions {
    return this.declares(spec) ? this : fromEnvironment([spec]);
  }

  /** The text as given; with `choices`, the choice as the spec writes it. */
  string(spec: OptionSpec): string | undefined {
    const value = this.raw.get(spec.flag);
    if (value === undefined) return undefined;
    const text = String(value);
    if (spec.choices) {
      const chosen = spec.choices.find((choice) => choice.toLowerCase() === text.toLowerCase());
      if (chosen === undefined) throw this.bad(spec, JSON.stringify(text), `one of ${spec.choices.join(', ')}`);
      return chosen;
    }
    if (spec.form && !spec.form.test(text)) throw this.bad(spec, JSON.stringify(text), spec.form.expected);
    return text;
  }

  requireString(spec: OptionSpec): string {
    const value = this.string(spec);
    if (value === undefined || value === '') {
      throw new KchError(ErrorCodes.USAGE, `--${spec.flag} is required${spec.env ? ` (or ${spec.env})` : ''}`);
    }
    return value;
  }

  /** The whole number as given (`bounded` also checks the spec's bounds). */
  integer(spec: OptionSpec): number | undefined {
    const value = this.string(spec);
    if (value === undefined || value === '') return undefined;
    if (!/^-?\d+$/.test(value.trim())) throw this.bad(spec, JSON.stringify(value), 'a whole number');
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw this.bad(spec, JSON.stringify(value), 'a whole number');
    return n;
  }

  /** The number as given (`bounded` also checks the spec's bounds). */
  number(spec: OptionSpec): number | undefined {
    const value = this.string(spec);
    if (value === undefined || value === '') return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) throw this.bad(spec, JSON.stringify(value), 'a number');
    return n;
  }

  /** An integer or number option within its spec's `min` and `max`. */
  bounded(spec: OptionSpec): number | undefined {
    const n = spec.type === 'integer' ? this.integer(spec) : this.number(spec);
    if (n === undefined) return undefined;
    const { min, max } = spec;
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
      const expected = min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
      throw this.bad(spec, String(n), expected);
    }
    return n;
  }

  boolean(spec: OptionSpec): boolean {
    const value = this.raw.get(spec.flag);
    if (value === undefined) return false;
    if (typeof value === 'boolean') return value;
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off|)$/i.test(value)) return false;
    throw this.bad(spec, JSON.stringify(value), 'true or false');
  }

  /** A duration in milliseconds. */
  duration(spec: OptionSpec): number | undefined {
    const value = this.string(spec);
    if (value === undefined || value === '') return undefined;
    const ms = parseDuration(value);
    if (ms === undefined) throw this.bad(spec, JSON.stringify(value), 'a duration such as 500ms, 30s, 5m or 1h');
    return ms;
  }

  private bad(spec: OptionSpec, shown: string, expected: string): KchError {
    const source = this.sources.get(spec.flag);
    const from = source?.kind === 'env' ? ` (from ${source.variable})` : '';
    return new KchError(ErrorCodes.USAGE, `--${spec.flag} must be ${expected}, got ${shown}${from}`);
  }
}

/** A secret from a file (`CLICKHOUSE_PASSWORD_FILE=/run/secrets/ch`): its text without one trailing newline. */
function readValueFile(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new KchError(ErrorCodes.CONFIG, `${variable} names ${path}, which cannot be read (${code})`);
  }
}

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `5m`, `1h`, or a bare number of seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = units[match[2] ?? 's'] ?? 1000;
  return Math.round(amount * unit);
}

/**
 * Parses argv against the given specs. Unknown flags are an error naming the flag; values come
 * from the flag, else the environment variable, else the default.
 */
export function resolveOptions(
  specs: readonly OptionSpec[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  allowPositionals = true,
): ResolvedOptions {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const spec of specs) {
    config[spec.flag] = spec.type === 'boolean'
      ? { type: 'boolean', ...(spec.short ? { short: spec.short } : {}) }
      : { type: 'string', ...(spec.short ? { short: spec.short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, config), options: config, strict: true, allowPositionals });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // Node's messages are long and mention `parseArgs`; keep the part a user needs.
    const unknown = /Unknown option '([^']+)'/.exec(text);
    if (unknown) throw new KchError(ErrorCodes.USAGE, `unknown option ${JSON.stringify(unknown[1]).slice(1, -1)} (see --help)`);
    const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(text);
    if (missing) throw new KchError(ErrorCodes.USAGE, `option ${JSON.stringify(missing[1]).slice(1, -1)} needs a value`);
    const positional = /Unexpected argument '([^']+)'/.exec(text);
    if (positional) throw new KchError(ErrorCodes.USAGE, `unexpected argument ${JSON.stringify(positional[1])} (see --help)`);
    throw new KchError(ErrorCodes.USAGE, text.split('\n')[0] ?? text);
  }
  const raw = new Map<string, string | boolean>();
  const sources = new Map<string, Source>();
  for (const spec of specs) {
    const fromFlag = (parsed.values as Record<string, string | boolean | undefined>)[spec.flag];
    if (fromFlag !== undefined) {
      if (spec.secret) {
        throw new KchError(ErrorCodes.USAGE, `--${spec.flag} would show in the process list; set ${spec.env ?? 'it'} in the environment instead`);
      }
      raw.set(spec.flag, fromFlag);
      sources.set(spec.flag, { kind: 'flag' });
      continue;
    }
    const fromEnv = spec.env === undefined ? undefined : env[spec.env];
    const file = spec.fileEnv === undefined ? undefined : env[spec.fileEnv];
    if (fromEnv !== undefined && fromEnv !== '') {
      if (file) throw new KchError(ErrorCodes.CONFIG, `${spec.env} and ${spec.fileEnv} are both set; keep one`);
      raw.set(spec.flag, fromEnv);
      sources.set(spec.flag, { kind: 'env', variable: spec.env! });
      continue;
    }
    if (file) {
      raw.set(spec.flag, readValueFile(spec.fileEnv!, file));
      sources.set(spec.flag, { kind: 'env', variable: spec.fileEnv! });
      continue;
    }
    if (spec.default !== undefined) raw.set(spec.flag, spec.type === 'boolean' ? spec.default === 'true' : spec.default);
  }
  return new ResolvedOptions(raw, sources, parsed.positionals, new Set(specs.map((spec) => spec.flag)));
}

/**
 * `--rate -5`: parseArgs takes `-5` for an option and answers "argument is ambiguous". A value
 * that looks like a negative number is joined to its option (`--rate=-5`), so that the option's
 * own check says what a valid value is.
 */
function joinNegativeValues(argv: readonly string[], config: Readonly<Record<string, { type: 'string' | 'boolean' }>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const flag = /^--([^=]+)$/.exec(arg)?.[1];
    if (flag !== undefined && config[flag]?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * The options as this process's environment gives them: the one way code reads a setting it was
 * not handed (every process of a stack takes the same environment).
 */
export function fromEnvironment(specs: readonly OptionSpec[]): ResolvedOptions {
  return resolveOptions(specs, [], process.env, false);
}
