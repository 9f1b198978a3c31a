import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildPage, clientScript } from '../../../src/dashboard/page/index.js';

const page = buildPage({ database: 'shop<db>', topicPrefix: 'p_' });
const hash = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');

test('the page script is valid JavaScript', () => {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled only to check its syntax, never called
  assert.doesNotThrow(() => new Function(clientScript()));
});

test('the Content-Security-Policy allows exactly the inline script and stylesheet, and only this origin', () => {
  const script = /<script>([\s\S]*)<\/script>/.exec(page.html)?.[1] ?? '';
  const style = /<style>([\s\S]*)<\/style>/.exec(page.html)?.[1] ?? '';
  assert.ok(page.contentSecurityPolicy.includes(`script-src 'sha256-${hash(script)}'`));
  assert.ok(page.contentSecurityPolicy.includes(`style-src 'sha256-${hash(style)}'`));
  assert.match(page.contentSecurityPolicy, /default-src 'none'/);
  assert.match(page.contentSecurityPolicy, /connect-src 'self'/);
});

test('nothing on the page comes from elsewhere: no external URL, no inline style attribute the policy would block', () => {
  const urls = page.html.match(/(?:src|href)=["'][^"']*["']/g) ?? [];
  for (const url of urls) assert.match(url, /=["'](\/|#|data:)/, url);
  assert.doesNotMatch(page.html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  assert.doesNotMatch(page.html, /\sstyle="/);
  assert.doesNotMatch(page.html, /@import|url\(http/);
});

test('the scope shown in the header is escaped', () => {
  assert.match(page.html, /database shop&lt;db&gt; · topic prefix p_/);
});

test('the compressed page is the page, small enough for a phone', () => {
  assert.equal(gunzipSync(page.gzip).toString('utf8'), page.html);
  assert.ok(page.gzip.length < 40_000, `${page.gzip.length} bytes`);
});
