import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '../../support/wait.js';

const parentModule = fileURLToPath(new URL('../../../src/host/parent.js', import.meta.url));

/**
 * npm's way: node runs under `sh -c`, and the signal that ends npm ends that sh, not node. The
 * child watches its parent and says when the watch fires.
 */
test('watchParent fires once the parent has exited, naming it, and never before', async () => {
  const child = [
    `const { watchParent } = await import(${JSON.stringify(parentModule)});`,
    'const parent = process.ppid;',
    'console.log(`watching ${parent}`);',
    'const watch = watchParent((gone, now) => console.log(`gone ${gone} adopted by ${now}`), 50);',
    'watch.signal.addEventListener("abort", () => { console.log("aborted"); process.exit(0); });',
    // Kept alive by this timer only: the watch's own timer must not hold the process.
    'setTimeout(() => { console.log("timed out"); process.exit(1); }, 20000);',
  ].join('\n');
  const sh = spawn('/bin/sh', ['-c', `${JSON.stringify(process.execPath)} --input-type=module -e '${child.replaceAll("'", "'\\''")}'; :`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  sh.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  await pollUntil('the child to watch', async () => (/watching \d+/.test(output) ? true : undefined), 10_000, 20);
  const watched = Number(/watching (\d+)/.exec(output)?.[1]);
  assert.equal(watched, sh.pid, 'its parent is the sh');
  // A while with the parent alive: nothing fires.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.doesNotMatch(output, /gone|aborted/);
  sh.kill('SIGTERM');
  await pollUntil('the watch to fire', async () => (/aborted/.test(output) ? true : undefined), 10_000, 20);
  assert.match(output, new RegExp(`gone ${sh.pid} adopted by \\d+\\naborted`));
});

test('started by init (ppid 1) there is no parent to lose: nothing is watched', async () => {
  const { watchParent } = await import('../../../src/host/parent.js');
  const original = Object.getOwnPropertyDescriptor(process, 'ppid')!;
  Object.defineProperty(process, 'ppid', { value: 1, configurable: true });
  try {
    let fired = false;
    const watch = watchParent(() => { fired = true; }, 10);
    Object.defineProperty(process, 'ppid', { value: 4242, configurable: true });
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(fired, false);
    assert.equal(watch.signal.aborted, false);
    watch.close();
  } finally {
    Object.defineProperty(process, 'ppid', original);
  }
});
