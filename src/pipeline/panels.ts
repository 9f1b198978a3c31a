/**
 * The dashboard panels a stream declares (StreamSpec.panels): data in its definition, in a small
 * vocabulary of kinds the page draws without knowing the stream. SQL in a declaration is the
 * user's own, over the target's columns, as a projection's select is; every column a panel names
 * is checked here, when the stream is defined, and quoted where the dashboard builds its queries.
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { Field } from './field.js';

/** A figure a panel shows: an aggregate over the target's rows, and how it reads. */
export interface Figure {
  /** What it is called: a legend's entry, a tile's heading, a table's column. */
  readonly label: string;
  /** An aggregate over the target's columns, e.g. `sum(quantity)` or `count()`. */
  readonly sql: string;
  /** Written after the number: `items`, `₽`. @default none */
  readonly unit?: string;
  /** Decimals shown in detail (a tooltip, a table); summaries are whole. @default 0 */
  readonly decimals?: number;
}

/** A tile's figure: its id names its place on the page (`kpi-<id>`), once in the pipeline. */
export interface Tile extends Figure {
  readonly id: string;
}

/** Which values of a text column count a row as incoming, and which as outgoing. */
export interface Split {
  readonly column: string;
  readonly incoming: readonly string[];
  readonly outgoing: readonly string[];
}

interface PanelBase {
  /**
   * Names the panel, once in the pipeline: its place on the page (`panel-<id>`) and in the API
   * (`/api/panel?stream=…&panel=<id>`). A plain identifier.
   */
  readonly id: string;
  readonly title: string;
  /** What the stream's rows are called, in the plural, for the page's words ("No sales yet"). @default 'events' */
  readonly noun?: string;
}

/** Per hour of the stream's time, the current hour included: one figure as bars, another as a line, and the rows. */
export interface HourlyPanel extends PanelBase {
  readonly kind: 'hourly';
  readonly bars: Figure;
  readonly line: Figure;
  /** Hours shown. @default 24 */
  readonly hours?: number;
}

/** The values of a column that moved most over the last days: per value, what came in and what went out. */
export interface RankedPanel extends PanelBase {
  readonly kind: 'ranked';
  /** The column ranked: a row per value. */
  readonly by: string;
  /** A column shown for each value of `by`, its latest (a product's name for its id). @default `by` itself */
  readonly label?: string;
  /** The column summed. */
  readonly sum: string;
  /** What `sum` counts, written after it ("units"). @default none */
  readonly unit?: string;
  readonly split: Split;
  /** Days looked back. @default 7 */
  readonly days?: number;
  /** Values listed. @default 5 */
  readonly limit?: number;
  /**
   * The stream's projection that answers it: grouped by the hour of the time field, `by` and the
   * split column, keeping sum(`sum`), argMax(`label`, time) and max(time). Where the table has it,
   * the query is worded for it. @default none: the table is read
   */
  readonly projection?: string;
}

/** The newest rows: the last in the sorting key's order, first. */
export interface NewestPanel extends PanelBase {
  readonly kind: 'newest';
  /** The columns each row carries in the API (fields, or processing_time). */
  readonly columns: readonly string[];
  /** The columns the page's table shows, in order. @default `columns` */
  readonly show?: readonly string[];
  /** Rows listed. @default 10 */
  readonly limit?: number;
}

/** Figures of today (the server's date, by the stream's time): a tile each at the top of the page. */
export interface TilesPanel extends PanelBase {
  readonly kind: 'tiles';
  readonly tiles: readonly Tile[];
}

/** A level per value of a column over all rows: what came in minus what went out. */
export interface LevelsPanel extends PanelBase {
  readonly kind: 'levels';
  readonly by: string;
  readonly sum: string;
  /** What `sum` counts, written after it. @default none */
  readonly unit?: string;
  readonly split: Split;
  /** Values always shown, with zeros until their first row. @default the values of `by` when it is a oneOf() field; else none */
  readonly values?: readonly string[];
  /** The stream's projection grouped by `by` and the split column, keeping sum(`sum`). @default none: the table is read */
  readonly projection?: string;
}

export type Panel = HourlyPanel | RankedPanel | NewestPanel | TilesPanel | LevelsPanel;
export type PanelKind = Panel['kind'];
export const panelKinds: readonly PanelKind[] = ['hourly', 'ranked', 'newest', 'tiles', 'levels'];

/** Ids the page gives its own panels and tiles: a declaration may not take them. */
const reservedPanels = ['pipeline'];
const reservedTiles = ['rate', 'lag'];

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TIME_KINDS = ['datetime', 'timestamp'];
/** Kinds a split's column may be: its values are text, compared as such. */
const TEXT_KINDS = ['one-of', 'text', 'literal'];

/** What a declaration is checked against: the stream being defined. */
export interface PanelContext {
  readonly fields: Readonly<Record<string, Field>>;
  /** The stream's time field, if any. */
  readonly time: string | undefined;
  /** The names of the stream's own projections. */
  readonly projections: readonly string[];
}

/** The one-of values of a field (undefined for any other kind). */
export function valuesOf(field: Field | undefined): readonly string[] | undefined {
  return field?.kind === 'one-of' ? (field as Field & { readonly values: readonly string[] }).values : undefined;
}

/**
 * Checks a stream's panels once, when it is defined: every mistake a plain JavaScript pipeline
 * file can make, named with the panel; throws DEFINITION. Returns the panels.
 */
export function checkPanels(stream: string, panels: unknown, context: PanelContext): readonly Panel[] {
  const fail = (message: string): never => {
    throw new KchError(ErrorCodes.DEFINITION, `stream ${stream}: ${message}`);
  };
  if (!Array.isArray(panels)) return fail('panels must be a list of { kind, id, title, … }');
  const ids = new Set<string>();
  const tiles = new Set<string>();
  for (const panel of panels as unknown[]) {
    if (typeof panel !== 'object' || panel === null) return fail(`a panel must be an object { kind, id, title, … }, got ${JSON.stringify(panel)}`);
    const p = panel as Record<string, unknown>;
    if (typeof p.id !== 'string' || !identifier.test(p.id)) return fail(`a panel's id must be a plain identifier, got ${JSON.stringify(p.id)}`);
    const where = `panel ${p.id}`;
    if (reservedPanels.includes(p.id)) return fail(`${where}: the page's own ${p.id} panel has that id`);
    if (ids.has(p.id)) return fail(`two panels have the id ${p.id}`);
    ids.add(p.id);
    if (typeof p.kind !== 'string' || !(panelKinds as readonly string[]).includes(p.kind)) {
      return fail(`${where}: kind must be ${panelKinds.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(p.kind)}`);
    }
    text(p.title, `${where}: title`, fail);
    if (p.noun !== undefined) text(p.noun, `${where}: noun`, fail);
    const column = (value: unknown, what: string, extra: readonly string[] = []): Field | undefined => {
      if (typeof value !== 'string' || !(Object.hasOwn(context.fields, value) || extra.includes(value))) {
        return fail(`${where}: ${what} names unknown column ${JSON.stringify(value)} (the stream's fields are ${Object.keys(context.fields).join(', ')})`);
      }
      return context.fields[value];
    };
    const needsTime = (): void => {
      const field = context.time === undefined ? undefined : context.fields[context.time];
      if (!field || !TIME_KINDS.includes(field.kind)) fail(`${where}: a ${String(p.kind)} panel counts by the stream's time, and the stream has no time field (datetime or timestamp)`);
    };
    const whole = (value: unknown, what: string, min: number, max: number): void => {
      if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max)) fail(`${where}: ${what} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    };
    const projection = (value: unknown): void => {
      if (value !== undefined && !(typeof value === 'string' && context.projections.includes(value))) {
        fail(`${where}: projection must name one of the stream's projections (${context.projections.join(', ') || 'it has none'}), got ${JSON.stringify(value)}`);
      }
    };
    const split = (value: unknown): void => {
      if (typeof value !== 'object' || value === null) return fail(`${where}: split must be { column, incoming: [...], outgoing: [...] }`);
      const s = value as Record<string, unknown>;
      if (s.column === p.by) fail(`${where}: split.column and by are both ${String(p.by)}`);
      const field = column(s.column, 'split.column');
      if (!field || !TEXT_KINDS.includes(field.kind)) fail(`${where}: split.column ${String(s.column)} must be a text or oneOf() field, its values compared as text`);
      const known = valuesOf(field);
      for (const side of ['incoming', 'outgoing'] as const) {
        const values = s[side];
        if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) fail(`${where}: split.${side} must be a list of one or more values of ${String(s.column)}`);
        const unknown = known && (values as string[]).find((v) => !known.includes(v));
        if (unknown !== undefined) fail(`${where}: split.${side} names ${JSON.stringify(unknown)}, not a value of ${String(s.column)} (${known!.join(', ')})`);
      }
    };
    switch (p.kind) {
      case 'hourly':
        needsTime();
        figure(p.bars, `${where}: bars`, fail);
        figure(p.line, `${where}: line`, fail);
        whole(p.hours, 'hours', 1, 168);
        break;
      case 'ranked':
        needsTime();
        column(p.by, 'by');
        if (p.label !== undefined) column(p.label, 'label');
        column(p.sum, 'sum');
        if (p.unit !== undefined) text(p.unit, `${where}: unit`, fail);
        split(p.split);
        whole(p.days, 'days', 1, 366);
        whole(p.limit, 'limit', 1, 50);
        projection(p.projection);
        break;
      case 'newest': {
        if (!Array.isArray(p.columns) || p.columns.length === 0) return fail(`${where}: columns must list one or more of the stream's fields`);
        for (const c of p.columns as unknown[]) column(c, 'columns', ['processing_time']);
        if (p.show !== undefined) {
          if (!Array.isArray(p.show) || p.show.length === 0) return fail(`${where}: show must list one or more of its columns`);
          for (const c of p.show as unknown[]) if (!(p.columns as unknown[]).includes(c)) fail(`${where}: show names ${JSON.stringify(c)}, not one of its columns`);
        }
        whole(p.limit, 'limit', 1, 100);
        break;
      }
      case 'tiles':
        needsTime();
        if (!Array.isArray(p.tiles) || p.tiles.length === 0) return fail(`${where}: tiles must list one or more { id, label, sql }`);
        for (const tile of p.tiles as unknown[]) {
          const id = (tile as { id?: unknown } | null)?.id;
          if (typeof id !== 'string' || !identifier.test(id)) return fail(`${where}: a tile's id must be a plain identifier, got ${JSON.stringify(id)}`);
          if (reservedTiles.includes(id)) fail(`${where}: the page's own ${id} tile has the id ${id}`);
          if (tiles.has(id)) fail(`${where}: two tiles have the id ${id}`);
          tiles.add(id);
          figure(tile, `${where}: tile ${id}`, fail);
        }
        break;
      case 'levels': {
        column(p.by, 'by');
        column(p.sum, 'sum');
        if (p.unit !== undefined) text(p.unit, `${where}: unit`, fail);
        split(p.split);
        if (p.values !== undefined && !(Array.isArray(p.values) && p.values.every((v) => typeof v === 'string'))) fail(`${where}: values must be a list of values of ${String(p.by)}`);
        projection(p.projection);
        break;
      }
    }
  }
  return panels as readonly Panel[];
}

function text(value: unknown, what: string, fail: (message: string) => never): void {
  if (typeof value !== 'string' || value.trim() === '') fail(`${what} must be non-empty text, got ${JSON.stringify(value)}`);
}

function figure(value: unknown, what: string, fail: (message: string) => never): void {
  if (typeof value !== 'object' || value === null) return fail(`${what} must be { label, sql }`);
  const f = value as Record<string, unknown>;
  text(f.label, `${what}: label`, fail);
  text(f.sql, `${what}: sql`, fail);
  if (f.unit !== undefined) text(f.unit, `${what}: unit`, fail);
  if (f.decimals !== undefined && !(Number.isSafeInteger(f.decimals) && (f.decimals as number) >= 0 && (f.decimals as number) <= 6)) {
    fail(`${what}: decimals must be a whole number from 0 to 6, got ${JSON.stringify(f.decimals)}`);
  }
}

/** The tiles of every tiles panel, in order. */
export function tilesOf(panels: readonly Panel[]): readonly Tile[] {
  return panels.flatMap((p) => (p.kind === 'tiles' ? p.tiles : []));
}
