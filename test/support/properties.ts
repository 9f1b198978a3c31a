import assert from 'node:assert/strict';

/** A Java .properties text as written by us (one `key=value` a line, `#` comments): each key once. */
export function properties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    assert.ok(at > 0, `not a property line: ${line}`);
    assert.ok(!map.has(line.slice(0, at)), `duplicate key ${line.slice(0, at)}`);
    map.set(line.slice(0, at), line.slice(at + 1));
  }
  return map;
}
