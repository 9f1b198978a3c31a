// The import graph of src/: fails on a circle between files, or between folders at any depth (a
// top-level one is an arrow that runs back up a layer, docs/architecture.md; a nested one, like
// cli ↔ cli/commands, is the same tangle inside a layer). Relative imports only: src has no others
// of its own. `node scripts/import-graph.mjs [--layers]` (--layers prints each top-level folder's layer).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(new URL('../src', import.meta.url).pathname);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ts')) files.push(path);
  }
})(root);

const imports = new Map(files.map((file) => {
  const text = readFileSync(file, 'utf8');
  const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)]
    .map((m) => resolve(dirname(file), m[1].replace(/\.js$/, '.ts')))
    .filter((target) => target !== file);
  return [file, new Set(targets)];
}));
/** The file's whole directory (`cli/commands`); `top` cuts it to the top-level folder (`cli`), a layer. */
const folderOf = (file, top = false) => {
  const parts = relative(root, file).split('/').slice(0, -1);
  return parts.length === 0 ? '.' : top ? parts[0] : parts.join('/');
};
/** Folder → folder it imports → the imports that make the arrow. */
const folderGraph = (top) => {
  const folders = new Map();
  for (const [file, targets] of imports) {
    const from = folderOf(file, top);
    if (!folders.has(from)) folders.set(from, new Map());
    for (const target of targets) {
      const to = folderOf(target, top);
      if (to === from) continue;
      const arrows = folders.get(from);
      if (!arrows.has(to)) arrows.set(to, []);
      arrows.get(to).push(`${relative(root, file)} → ${relative(root, target)}`);
    }
  }
  return folders;
};
const folders = folderGraph(false);
const layers = folderGraph(true);

/** Strongly connected components of more than one node (Tarjan): the circles. */
function circles(nodes, next) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return found;
}

let failed = false;
for (const circle of circles(files, (f) => [...imports.get(f)].filter((t) => imports.has(t)))) {
  failed = true;
  process.stderr.write(`import circle between files: ${circle.map((f) => relative(root, f)).join(', ')}\n`);
}
// Both depths: a circle between top-level folders can pass through different subfolders and so
// show at full depth as no circle at all (a → b → a/sub).
for (const [graph, what] of [[folders, 'folders'], [layers, 'top-level folders']]) {
  for (const circle of circles([...graph.keys()], (f) => [...graph.get(f).keys()])) {
    failed = true;
    process.stderr.write(`import circle between ${what}: ${circle.join(', ')}\n`);
    for (const from of circle) for (const to of circle) {
      for (const arrow of graph.get(from)?.get(to) ?? []) process.stderr.write(`  ${arrow}\n`);
    }
  }
}
if (process.argv.includes('--layers') && !failed) {
  const layer = new Map();
  const layerOf = (folder) => {
    if (!layer.has(folder)) layer.set(folder, Math.max(0, ...[...(layers.get(folder)?.keys() ?? [])].map((to) => layerOf(to) + 1)));
    return layer.get(folder);
  };
  for (const folder of layers.keys()) layerOf(folder);
  for (const [folder, n] of [...layer].sort((a, b) => a[1] - b[1])) process.stdout.write(`${n} ${folder} → ${[...(layers.get(folder)?.keys() ?? [])].join(' ')}\n`);
}
process.exit(failed ? 1 : 0);
