/**
 * A table (or view) in its database, kept as two names rather than a `db.table` string, so that
 * nothing has to pull the two apart again (a dot may sit inside a quoted name).
 */
import { identifier } from './quote.js';

export class TableRef {
  constructor(readonly database: string, readonly table: string) {}

  /** `db.table` as SQL: each name bare when it is a plain identifier, back-quoted otherwise. */
  toSql(): string {
    return `${identifier(this.database)}.${identifier(this.table)}`;
  }
}
