/**
 * Text from data (a topic's messages, a table's rows) on its way to a terminal. A control
 * character there is not shown but obeyed: ESC sequences move the cursor, recolour, retitle or
 * clear the screen, NUL and TAB shift columns. Each becomes a visible escape instead.
 */
// C0 controls, DEL and C1 controls (U+0080–U+009F, which some terminals obey too): matching
// control characters is the point of these expressions.
/* eslint-disable no-control-regex */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/* eslint-enable no-control-regex */

const escape = (c: string): string => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * `text` with every control character written as an escape (`\u001b`, `\t`); with `lines`,
 * newlines stay; with `tabs` too, tabs stay (a tab-separated table's own separators).
 */
export function printable(text: string, options: { readonly lines?: boolean; readonly tabs?: boolean } = {}): string {
  return text.replace(options.tabs ? CONTROL_BUT_LAYOUT : options.lines ? CONTROL_BUT_NEWLINE : CONTROL, escape);
}
