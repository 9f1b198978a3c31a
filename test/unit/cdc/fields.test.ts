import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnField, decimalMax, isUnsupported, numericOf, type ColumnField } from '../../../src/cdc/fields.js';
import { field, type Field } from '../../../src/pipeline/field.js';
import type { SourceColumn } from '../../../src/postgres/catalog.js';

const column = (type: string, over: Partial<SourceColumn> = {}): SourceColumn => ({ name: 'c', type, formatted: type, array: false, typmod: -1, notNull: true, ...over });

/** numeric(p, s)'s type modifier, as PostgreSQL stores it. */
const numericTypmod = (precision: number, scale: number): number => ((precision << 16) | (scale & 0x7ff)) + 4;

function mapped(c: SourceColumn): ColumnField {
  const m = columnField(c);
  assert.ok(!isUnsupported(m), `${c.formatted}: ${isUnsupported(m) ? m.why : ''}`);
  return m;
}

/** The source kch cdc add writes, made into the field it names: it must be a field today's kch takes. */
function made(source: string): Field {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the generated code is what is tested
  const make = new Function('field', `return ${source};`) as (given: typeof field) => Field;
  const f = make(field);
  assert.equal(f.definitionProblem, undefined, source);
  return f;
}

test('PostgreSQL\'s types map to the fields that read what the connector sends', () => {
  const cases: [SourceColumn, string, string][] = [
    [column('int2'), "field.int('Int16')", 'integer'],
    [column('int4'), "field.int('Int32')", 'integer'],
    [column('int8'), "field.int('Int64')", 'integer'],
    [column('numeric', { typmod: numericTypmod(12, 2), formatted: 'numeric(12,2)' }), "field.decimal({ precision: 12, scale: 2, min: '-9999999999.99', max: '9999999999.99' }).acceptStrings()", 'decimal'],
    [column('numeric', { typmod: numericTypmod(5, 0), formatted: 'numeric(5,0)' }), "field.decimal({ precision: 5, scale: 0, min: '-99999', max: '99999' }).acceptStrings()", 'decimal'],
    [column('numeric'), 'field.text({ maxLength: 131_072 })', 'decimal'],
    [column('float8'), 'field.float()', 'float'],
    [column('text'), 'field.text({ maxLength: 16_777_216, allowEmpty: true })', 'text'],
    [column('varchar', { typmod: 24, formatted: 'character varying(20)' }), 'field.text({ maxLength: 80, allowEmpty: true })', 'text'],
    [column('bool'), 'field.bool()', 'bool'],
    [column('uuid'), 'field.uuid()', 'uuid'],
    [column('timestamptz'), 'field.timestamp({ precision: 6 })', 'timestamp'],
    [column('timestamptz', { typmod: 3 }), 'field.timestamp({ precision: 3 })', 'timestamp'],
    [column('timestamp', { typmod: 0 }), "field.timestamp({ precision: 0, timeZone: 'UTC' })", 'timestamp'],
    [column('date'), 'field.text({ maxLength: 16 })', 'date'],
    [column('jsonb'), 'field.text({ maxLength: 16_777_216, allowEmpty: true })', 'json'],
    [column('json'), 'field.text({ maxLength: 16_777_216, allowEmpty: true })', 'json'],
    [column('bytea'), 'field.text({ maxLength: 16_777_216, allowEmpty: true })', 'bytes'],
    [column('mood', { enumLabels: ['sad', 'happy'] }), 'field.text({ maxLength: 256, lowCardinality: true })', 'text'],
  ];
  for (const [c, source, kind] of cases) {
    const m = mapped(c);
    assert.equal(m.source, source, c.formatted);
    assert.equal(m.kind, kind, c.formatted);
    made(m.source);
  }
  assert.match(mapped(column('mood', { enumLabels: ['sad', 'happy'] })).note ?? '', /enum mood: sad, happy/);
});

test('a nullable column is optional; an array is an array of its element\'s field', () => {
  assert.equal(mapped(column('int4', { notNull: false })).source, "field.int('Int32').optional()");
  const array = mapped(column('text', { array: true, notNull: false, formatted: 'text[]' }));
  assert.equal(array.source, 'field.array(field.text({ maxLength: 16_777_216, allowEmpty: true })).optional()');
  assert.equal(array.array, true);
  made(array.source);
  made(mapped(column('numeric', { array: true, typmod: numericTypmod(6, 3), formatted: 'numeric(6,3)[]' })).source);
  made(mapped(column('timestamptz', { array: true })).source);
});

test('what has no field is said, and left out', () => {
  const why = (c: SourceColumn): string => {
    const m = columnField(c);
    assert.ok(isUnsupported(m), c.formatted);
    return m.why;
  };
  assert.match(why(column('time', { formatted: 'time without time zone' })), /type time without time zone has no field kind/);
  assert.match(why(column('jsonb', { array: true })), /arrays of jsonb/);
  assert.match(why(column('int4', { name: 'Order Date' })), /not a plain SQL name/);
  assert.match(why(column('int4', { name: 'kch_version' })), /kch's own/);
});

test('numeric\'s type modifier gives precision and scale; its bounds are all nines', () => {
  assert.deepEqual(numericOf(numericTypmod(12, 2)), { precision: 12, scale: 2 });
  assert.deepEqual(numericOf(numericTypmod(5, -2)), { precision: 5, scale: -2 });
  assert.equal(numericOf(-1), undefined);
  assert.equal(decimalMax(5, 2), '999.99');
  assert.equal(decimalMax(2, 2), '0.99');
  assert.equal(decimalMax(3, 0), '999');
  assert.equal(mapped(column('numeric', { typmod: numericTypmod(5, -2), formatted: 'numeric(5,-2)' })).kind, 'decimal', 'a negative scale is kept as text');
});
