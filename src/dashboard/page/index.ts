/**
 * The dashboard page as one self-contained document: markup, stylesheet and script inline, no
 * font or library to fetch, so it works with no internet and paints on the first response.
 * Built once per server: its Content-Security-Policy allows exactly this script and stylesheet
 * (by hash) and requests to this origin only — a stray external URL would be refused and show
 * as an error in the browser's console.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { dashboardClient } from './client.js';
import { favicon, renderHtml, type PageScope } from './html.js';
import { styles } from './styles.js';

export { favicon };

/** How often the page polls the API. The issue asks for at most 5 s. */
export const REFRESH_MS = 5_000;

export interface Page {
  readonly html: string;
  readonly gzip: Buffer;
  readonly etag: string;
  readonly contentSecurityPolicy: string;
}

/** The script as the browser gets it: the function's own source, called once. */
export function clientScript(refreshMs = REFRESH_MS, page: { seed: boolean; own: readonly string[] } = { seed: true, own: [] }): string {
  return `(${dashboardClient.toString()})(${JSON.stringify(refreshMs)}, ${JSON.stringify(page)});`;
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export function buildPage(scope: PageScope, refreshMs = REFRESH_MS): Page {
  const script = clientScript(refreshMs, { seed: scope.seed ?? true, own: scope.own ?? [] });
  const html = renderHtml(scope, { style: styles, script });
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(styles)}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    html,
    gzip: gzipSync(html, { level: 9 }),
    etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 20)}"`,
    contentSecurityPolicy,
  };
}
