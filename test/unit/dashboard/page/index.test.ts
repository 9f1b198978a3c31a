import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import ts from 'typescript';
import { buildPage } from '../../../../src/dashboard/page/index.js';
import { loadScripts } from '../../../../src/dashboard/page/scripts.js';
import { field } from '../../../../src/pipeline/field.js';
import { defineStream } from '../../../../src/pipeline/stream.js';
import { streams } from '../../../../src/pipeline/streams/index.js';

const page = buildPage({ database: 'shop<db>', topicPrefix: 'p_' });
const hash = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');
/** The repository (tests run from dist-test/test/unit/dashboard/page/). */
const root = fileURLToPath(new URL('../../../../../', import.meta.url));
const pageSources = join(root, 'src/dashboard/page');
const browserSources = join(pageSources, 'browser');
/** The modules outside browser/ the page may name, only in an `import type`: the API's shapes, the server's own. */
const wireTypes = ['../../wire.js', '../../../health/wire.js'];
/** Where the served modules were compiled to, beside the tested page/index.js. */
const compiled = fileURLToPath(new URL('../../../../src/dashboard/page/browser/', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

test('every module of the page\'s script is valid JavaScript, an ES module', () => {
  assert.ok(page.scripts.size >= 10, `${page.scripts.size} modules`);
  for (const path of page.scripts.keys()) {
    const file = join(compiled, path.slice('/page/'.length));
    const checked = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    assert.equal(checked.status, 0, `${path}: ${checked.stderr}`);
    assert.equal(readFileSync(file, 'utf8'), page.scripts.get(path)!.body.toString('utf8'), `${path} is served as compiled`);
  }
});

test('the Content-Security-Policy allows exactly the inline stylesheet, scripts from this origin only (none inline), and only this origin', () => {
  const style = /<style>([\s\S]*)<\/style>/.exec(page.html)?.[1] ?? '';
  assert.ok(page.contentSecurityPolicy.includes(`style-src 'sha256-${hash(style)}'`));
  assert.deepEqual(page.contentSecurityPolicy.split('; ').filter((d) => d.startsWith('script-src')), ["script-src 'self'"]);
  assert.doesNotMatch(page.contentSecurityPolicy, /unsafe-/);
  // Every script element loads a module the dashboard serves; no script is written into the page.
  const scripts = page.html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? [];
  assert.deepEqual(scripts, ['<script type="module" src="/page/main.js"></script>']);
  assert.ok(page.scripts.has('/page/main.js'));
  for (const [, href] of page.html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)) assert.ok(page.scripts.has(href!), href);
  assert.match(page.contentSecurityPolicy, /default-src 'none'/);
  assert.match(page.contentSecurityPolicy, /connect-src 'self'/);
  assert.match(page.contentSecurityPolicy, /require-trusted-types-for 'script'/);
});

test('nothing on the page comes from elsewhere: no external URL, no inline style attribute the policy would block', () => {
  const urls = page.html.match(/(?:src|href)=["'][^"']*["']/g) ?? [];
  for (const url of urls) assert.match(url, /=["'](\/|#|data:)/, url);
  assert.doesNotMatch(page.html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  assert.doesNotMatch(page.html, /\sstyle="/);
  assert.doesNotMatch(page.html, /@import|url\(http/);
  for (const [path, script] of page.scripts) {
    const text = script.body.toString('utf8');
    assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, path);
    assert.doesNotMatch(text, /\bimport\s*\(|\bfrom\s*['"](?!\.\/)/, `${path} imports only the page's own modules`);
  }
});

test('the scope shown in the header is escaped', () => {
  assert.match(page.html, /database shop&lt;db&gt; · topic prefix p_/);
});

test('the compressed page is the page, and with its script small enough for a phone', () => {
  assert.equal(gunzipSync(page.gzip).toString('utf8'), page.html);
  assert.equal(page.body.toString('utf8'), page.html);
  for (const [path, script] of page.scripts) assert.deepEqual(gunzipSync(script.gzip), script.body, path);
  const total = page.gzip.length + [...page.scripts.values()].reduce((sum, s) => sum + s.gzip.length, 0);
  assert.ok(total < 40_000, `${total} bytes`);
});

test('served are exactly the modules main.js reaches: every browser module that has code', () => {
  const served = new Set([...page.scripts.keys()].map((path) => path.slice('/page/'.length)));
  for (const file of readdirSync(compiled).filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(join(compiled, file), 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '').trim();
    // A module of types only compiles to an empty one, which nothing loads.
    assert.equal(served.has(file), code !== 'export {};', file);
  }
  assert.throws(() => loadScripts(new URL('file:///nonexistent/')), { code: 'KCH_NOT_BUILT', message: /run npm run build/ });
});

test('no type escape hatch: the page is TypeScript under strict with the DOM\'s types, no @ts-nocheck, no any', () => {
  // Nowhere in the project is a file exempt from type checking.
  for (const file of tsFiles(join(root, 'src'))) assert.ok(!readFileSync(file, 'utf8').includes('@ts-nocheck'), `${file} is under @ts-nocheck`);

  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.page.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  });
  assert.ok(config);
  assert.equal(config.options.strict, true);
  assert.ok(config.options.lib?.includes('lib.dom.d.ts'), `lib ${config.options.lib?.join(', ')}`);
  assert.deepEqual(config.options.types, [], 'no Node globals in the browser');
  assert.deepEqual(new Set(config.fileNames.map((f) => f.replace(/\\/g, '/'))), new Set(tsFiles(browserSources).map((f) => f.replace(/\\/g, '/'))));
  const program = ts.createProgram({ rootNames: config.fileNames, options: { ...config.options, noEmit: true } });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  assert.deepEqual(errors, []);

  for (const file of tsFiles(pageSources)) {
    const text = readFileSync(file, 'utf8');
    assert.ok(!/@ts-(nocheck|ignore|expect-error)/.test(text), `${file} silences the type checker`);
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const escapes: string[] = [];
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.AnyKeyword) escapes.push(`any at line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
      // The browser resolves no package names: every import is a sibling module, by its file name;
      // but for the API's wire types (src/dashboard/wire.ts, src/health/wire.ts), imported as
      // types only, which the compiler erases: the browser never asks for them.
      if (file.startsWith(browserSources) && (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        const typesOnly = ts.isImportDeclaration(node) ? node.importClause?.isTypeOnly === true : node.isTypeOnly;
        const sibling = /^\.\/[\w.-]+\.js$/.test(node.moduleSpecifier.text);
        if (!sibling && !(typesOnly && wireTypes.includes(node.moduleSpecifier.text))) escapes.push(`import of ${node.moduleSpecifier.text}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    assert.deepEqual(escapes, [], file);
  }
});

test('the page declares none of the API\'s shapes: it reads the server\'s own (a field renamed on the server fails the page\'s build)', () => {
  const declared = (file: string): string[] => [...readFileSync(file, 'utf8').matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]!);
  const api = new Set([join(root, 'src/dashboard/wire.ts'), join(root, 'src/health/wire.ts')].flatMap(declared));
  assert.ok(api.has('PipelineHealth') && api.has('SalesByHour') && api.has('ErrorBody'), [...api].join(', '));
  for (const file of tsFiles(browserSources)) assert.deepEqual(declared(file).filter((name) => api.has(name)), [], file);
});

test('the markup has a section per declared panel, in the streams\' order, their tiles at the top, a card for a stream that declares none; a declaration\'s words escaped', () => {
  const odd = defineStream({
    name: 'odd', fields: { at: field.timestamp(), n: field.int('UInt8') }, time: 'at', orderBy: ['at'],
    panels: [{ kind: 'hourly', id: 'odd_hourly', title: 'Odd <b>hours</b>', bars: { label: 'N & co', sql: 'sum(n)' }, line: { label: 'Rows', sql: 'count()' } }],
  });
  const bare = defineStream({ name: 'bare', fields: { n: field.int('UInt8') }, orderBy: ['n'] });
  const { html } = buildPage({ database: 'd', topicPrefix: '', streams: [...streams, odd, bare] });
  const sections = [...html.matchAll(/<section class="card[^"]*" id="panel-(\w[\w-]*)"(?: data-stream="(\w+)" data-panel="(\w+)" data-kind="(\w+)")?/g)].map((m) => m.slice(1).filter((x) => x !== undefined).join(' '));
  assert.deepEqual(sections, ['sales sales sales hourly', 'recent sales recent newest', 'stock warehouse stock ranked', 'warehouses warehouse warehouses levels', 'odd_hourly odd odd_hourly hourly', 'own-bare', 'pipeline']);
  assert.deepEqual([...html.matchAll(/<article class="kpi" id="kpi-(\w+)"/g)].map((m) => m[1]), ['revenue', 'sales', 'units', 'rate', 'lag']);
  assert.match(html, /<h2>Odd &lt;b&gt;hours&lt;\/b&gt;<\/h2>/);
  assert.match(html, /<li><i class="c-blue"><\/i>N &amp; co<\/li>/);
  assert.match(html, /<li><i class="line c-green"><\/i>Revenue, ₽<\/li>/);
  assert.match(html, /<table id="recent-table"><thead><tr><th>Product name<\/th><th>Category<\/th><th class="num">Quantity<\/th>/);
  assert.match(html, /<a href="\/api\/sales">sales<\/a> · <a href="\/api\/stock">stock<\/a> · <a href="\/api\/recent_sales">recent_sales<\/a> · <a href="\/api\/overview">overview<\/a>/);
  // No stream declares panels: no tiles but the lag, none of the demo's links.
  const plain = buildPage({ database: 'd', topicPrefix: '', streams: [bare] }).html;
  assert.deepEqual([...plain.matchAll(/<article class="kpi" id="kpi-(\w+)"/g)].map((m) => m[1]), ['lag']);
  assert.doesNotMatch(plain, /api\/sales|data-panel=/);
});
