import { toKchError } from '../../clickhouse/errors.js';
import { flags, options } from '../../config/options.js';
import { ErrorCodes, KchError } from '../../errors/kch-error.js';
import { printable } from '../../output/terminal.js';
import { defineCommand } from '../shared/command.js';
import { clickhouseFrom, clickhouseOptions } from '../shared/connections.js';

/** Statements that return rows; everything else runs as a command. */
const returnsRows = /^\s*(\(?\s*SELECT|WITH|SHOW|DESC|DESCRIBE|EXISTS|EXPLAIN|CHECK)\b/i;

export const queryCommand = defineCommand({
  name: 'query',
  summary: 'Run SQL against ClickHouse (the running stack by default) and print the result',
  args: '"<SQL>"',
  options: [...clickhouseOptions, flags.queryFormat],
  allowPositionals: true,
  async run({ options: resolved, out }) {
    const sql = resolved.positionals.join(' ').trim().replace(/;\s*$/, '');
    if (!sql) throw new KchError(ErrorCodes.USAGE, 'give the SQL to run, e.g. kch query "SELECT count() FROM sales"');
    const url = resolved.requireString(clickhouseOptions[0]);
    const client = clickhouseFrom(resolved);
    try {
      if (returnsRows.test(sql)) {
        const chosen = resolved.string(flags.queryFormat) ?? 'PrettyCompactMonoBlock';
        const result = await client.query({ query: sql, format: chosen as 'JSONEachRow' });
        let text = await result.text();
        // A table for people, or anything bound for a terminal: data's control characters shown, not obeyed.
        // Other formats piped elsewhere stay byte for byte.
        if (/^(Pretty|Vertical|Markdown)/i.test(chosen)) text = printable(text, { lines: true });
        else if (process.stdout.isTTY) text = printable(text, { lines: true, tabs: true });
        out(text.endsWith('\n') || text === '' ? text : `${text}\n`);
      } else {
        await client.command({ query: sql });
        out('Ok.\n');
      }
      return 0;
    } catch (error) {
      // The user sent, not one the message assumes: "refused user \"nobody\"" for --clickhouse-user nobody.
      throw toKchError(error, { url, user: resolved.string(options.clickhouseUser) ?? 'default' });
    } finally {
      await client.close();
    }
  },
});
