/**
 * The page's script as the dashboard serves it: the ES modules tsc compiled from browser/
 * (tsconfig.page.json) into the package beside this file, read once at start. Served are exactly
 * the modules main.js reaches through its imports, each at a fixed path /page/<file>; a request's
 * path is only ever looked up among these, never used to open a file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ErrorCodes, KchError } from '../../errors/kch-error.js';

/** A response body ready to send: as is and gzipped, with its ETag. */
export interface Served {
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
}

export function served(text: string): Served {
  const body = Buffer.from(text, 'utf8');
  return { body, gzip: gzipSync(body, { level: 9 }), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 20)}"` };
}

export const SCRIPT_PREFIX = '/page/';
export const ENTRY = `${SCRIPT_PREFIX}main.js`;

/**
 * `import … from './x.js'`, `export … from './x.js'` and `import './x.js'`, each a statement of its
 * own as tsc writes them (every import of the page is a sibling module: tested).
 */
const importPattern = /^\s*(?:import|export)\s[^'";]*?\bfrom\s*['"](\.\/[\w.-]+\.js)['"]|^\s*import\s*['"](\.\/[\w.-]+\.js)['"]/gm;

/** The compiled modules by path, main.js first; throws when the page was not built. */
export function loadScripts(folder: URL = new URL('./browser/', import.meta.url)): ReadonlyMap<string, Served> {
  const scripts = new Map<string, Served>();
  const pending = ['main.js'];
  for (let file = pending.shift(); file !== undefined; file = pending.shift()) {
    const path = `${SCRIPT_PREFIX}${file}`;
    if (scripts.has(path)) continue;
    let text: string;
    try {
      text = readFileSync(new URL(file, folder), 'utf8');
    } catch (error) {
      throw new KchError(ErrorCodes.NOT_BUILT, `the dashboard's page is not built (${fileURLToPath(new URL(file, folder))} is missing): run npm run build`, { cause: error });
    }
    scripts.set(path, served(text));
    for (const match of text.matchAll(importPattern)) pending.push((match[1] ?? match[2]!).slice(2));
  }
  return scripts;
}
