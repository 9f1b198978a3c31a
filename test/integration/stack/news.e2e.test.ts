/**
 * What `kch up` says while its services run: a service it restarts (which, why, the back-off, and
 * when it answers again), and one that still runs but stops answering. Issue 26, point 15: a
 * dashboard that did not answer a minute after the start, with nothing in kch up's output to say
 * whether it had died or hung.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startUp } from '../faults/fixture.js';
import { onCleanup } from '../../support/cleanup.js';


async function answers(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return response.status;
}

test('a dashboard killed under kch up: the restart is said with its pid, reason and back-off, then that it answers again', async (t) => {
  const stack = await startUp('news', { args: ['--no-generate'] });
  onCleanup(t, () => stack.stop());
  const url = /dashboard\s+(http:\/\/\S+)/.exec(stack.up.output)?.[1];
  assert.ok(url, stack.up.output);
  const dashboard = stack.servicePid('dashboard')!;
  assert.ok(dashboard);

  let mark = stack.up.output.length;
  process.kill(dashboard, 'SIGKILL');
  await stack.waitFor(new RegExp(`up +warn +dashboard killed by SIGKILL; restarting in 1 s \\(pid ${dashboard}, crash 1 within 2 min, given up on at the 5th\\)`), 10_000, mark);
  const [, restarted] = await stack.waitFor(/up +info +dashboard restarted \(pid (\d+)\)/, 10_000, mark);
  const [, back, seconds] = await stack.waitFor(/up +info +dashboard \(pid (\d+)\) answers again, ([\d.]+) s after its restart/, 40_000, mark);
  assert.equal(back, restarted);
  assert.equal(await answers(`${url}api/sales`), 200, 'the restarted dashboard serves the API');

  // Running but not answering (its event loop stuck, say): SIGSTOP holds it without exiting.
  const pid = Number(restarted);
  mark = stack.up.output.length;
  process.kill(pid, 'SIGSTOP');
  onCleanup(t, () => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } });
  const [, silent] = await stack.waitFor(new RegExp(`up +warn +dashboard \\(pid ${pid}\\) runs but has not answered ${url.replace(/[.]/g, '\\.')}healthz for ([\\d.]+) s \\(no answer within 2 s\\)`), 40_000, mark);
  assert.ok(Number(silent) >= 10, `said after ${silent} s of silence`);
  process.kill(pid, 'SIGCONT');
  await stack.waitFor(new RegExp(`up +info +dashboard \\(pid ${pid}\\) answers again, after [\\d.]+ s without answering`), 20_000, mark);
  assert.equal(await answers(`${url}api/sales`), 200);
  assert.equal(stack.servicePid('dashboard'), pid, 'not restarted: it never exited');
  process.stdout.write(`# dashboard answered again ${seconds} s after its restart; its silence was said after ${silent} s\n`);

  assert.equal(await stack.stop(), 0);
});
