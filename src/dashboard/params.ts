/**
 * The query-string parameters the API accepts, declared once per route: name, range, default.
 * Anything else in the query string — an unknown name, a repeated one, a value that is not a
 * whole number in range — is a usage error (HTTP 400) naming the parameter, never a value that
 * reaches SQL unchecked.
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';

export interface IntegerParam {
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /** What it means, for the error message and the API's own description. */
  readonly description: string;
}

/** A configured stream's name: required, checked against the streams the dashboard was given. */
export interface StreamParam {
  readonly kind: 'stream';
  readonly description: string;
}

/** A declared panel's id: required, a plain identifier (the route looks it up among the stream's panels). */
export interface PanelParam {
  readonly kind: 'panel';
  readonly description: string;
}

export type ParamSpec = IntegerParam | StreamParam | PanelParam;

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

export type ParamValues<S extends ParamSpecs> = { readonly [K in keyof S]: S[K] extends StreamParam | PanelParam ? string : number };

function isStreamParam(spec: ParamSpec): spec is StreamParam {
  return 'kind' in spec && spec.kind === 'stream';
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whole numbers only, no sign, no exponent, no leading zeros beyond one digit: `24`, not `24.0` or `2e1`. */
const wholeNumber = /^(0|[1-9][0-9]{0,8})$/;

/** `streams`: the configured streams' names, which a stream parameter must be one of. */
export function parseParams<const S extends ParamSpecs>(search: URLSearchParams, specs: S, streams: readonly string[] = []): ParamValues<S> {
  const seen = new Set<string>();
  for (const name of search.keys()) {
    if (!Object.hasOwn(specs, name)) {
      const known = Object.keys(specs);
      throw new KchError(ErrorCodes.USAGE, `unknown parameter "${clip(name)}"${known.length ? `; this endpoint takes ${known.join(', ')}` : '; this endpoint takes none'}`);
    }
    if (seen.has(name)) throw new KchError(ErrorCodes.USAGE, `parameter "${name}" is given more than once`);
    seen.add(name);
  }
  const values: Record<string, number | string> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const text = search.get(name);
    if (isStreamParam(spec)) {
      if (text === null) throw new KchError(ErrorCodes.USAGE, `parameter "${name}" (${spec.description}) is required: one of ${streams.join(', ') || '(no streams configured)'}`);
      if (!streams.includes(text)) throw new KchError(ErrorCodes.USAGE, `parameter "${name}" must name a configured stream (${streams.join(', ') || 'none configured'}), got "${clip(text)}"`);
      values[name] = text;
      continue;
    }
    if ('kind' in spec) {
      if (text === null) throw new KchError(ErrorCodes.USAGE, `parameter "${name}" (${spec.description}) is required`);
      if (!identifier.test(text)) throw new KchError(ErrorCodes.USAGE, `parameter "${name}" (${spec.description}) must be a panel's id, got "${clip(text)}"`);
      values[name] = text;
      continue;
    }
    if (text === null) {
      values[name] = spec.default;
      continue;
    }
    const value = wholeNumber.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < spec.min || value > spec.max) {
      throw new KchError(ErrorCodes.USAGE, `parameter "${name}" (${spec.description}) must be a whole number from ${spec.min} to ${spec.max}, got "${clip(text)}"`);
    }
    values[name] = value;
  }
  return values as ParamValues<S>;
}

/** Echoed text is cut short: an error message is no place for a megabyte of query string. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
