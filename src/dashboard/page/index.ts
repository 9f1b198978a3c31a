/**
 * The dashboard page: one document (markup and stylesheet inline, so it paints on the first
 * response) and its script, ES modules compiled from browser/ and served by the dashboard itself
 * (scripts.ts): no font, library or anything else from the internet. Built once per server: its
 * Content-Security-Policy allows exactly this stylesheet (by hash), scripts from this origin
 * only (which serves no other script) and requests to this origin only — a stray external URL
 * would be refused and show as an error in the browser's console.
 */
import { createHash } from 'node:crypto';
import { favicon, renderHtml, type PageScope } from './html.js';
import { ENTRY, loadScripts, served, type Served } from './scripts.js';
import { styles } from './styles.js';

export { favicon };

/** How often the page polls the API. The issue asks for at most 5 s. */
export const REFRESH_MS = 5_000;

/** The document, ready to send (`body` is `html` encoded). */
export interface Page extends Served {
  readonly html: string;
  readonly contentSecurityPolicy: string;
  /** The page's script modules by path (/page/main.js …). */
  readonly scripts: ReadonlyMap<string, Served>;
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export function buildPage(scope: PageScope, refreshMs = REFRESH_MS): Page {
  const scripts = loadScripts();
  const html = renderHtml(scope, { style: styles, entry: ENTRY, modules: [...scripts.keys()].filter((path) => path !== ENTRY), refreshMs });
  const contentSecurityPolicy = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${sha256(styles)}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    // The page writes text, never markup: no string may become HTML or script.
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
  return { ...served(html), html, contentSecurityPolicy, scripts };
}
