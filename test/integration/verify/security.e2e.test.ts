/**
 * What `kch up` exposes: every socket its processes listen on is bound to loopback, and the
 * ClickHouse password (given as a file) appears in no command line, environment or log line.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../support/cli.js';
import { startUp } from '../faults/fixture.js';
import { onCleanup } from '../../support/cleanup.js';


function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `root` and every process below it (the broker's JVM is in its own group but still a child). */
function tree(root: number): number[] {
  const all = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const pid of all) if (parentOf(pid) === out[i]) out.push(pid);
  return out;
}

/** Listening TCP sockets: inode → local address as text. */
function listeners(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !f[1] || !f[9]) continue;
      const [hex, port] = f[1].split(':') as [string, string];
      out.set(f[9], `${addressOf(hex)}:${Number.parseInt(port, 16)}`);
    }
  }
  return out;
}

function addressOf(hex: string): string {
  if (hex.length === 8) return hex.match(/../g)!.reverse().map((b) => Number.parseInt(b, 16)).join('.');
  // IPv6 in four little-endian 32-bit words.
  const words = hex.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
  const full = words.join('').toLowerCase();
  if (full.startsWith('00000000000000000000ffff')) return `::ffff:${full.slice(24).match(/../g)!.map((b) => Number.parseInt(b, 16)).join('.')}`;
  return full === '00000000000000000000000000000001' ? '::1' : full === '0'.repeat(32) ? '::' : full;
}

test('kch up listens on loopback only, and its password shows in no process, environment or log', async (t) => {
  const secret = `s3cret-${process.pid}-${Date.now()}`;
  const file = join((await import('node:os')).tmpdir(), `kch-secret-${process.pid}`);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  t.after(() => rmSync(file, { force: true }));
  const stack = await startUp('security', { args: ['--rate', '20'], env: { CLICKHOUSE_PASSWORD_FILE: file } });
  onCleanup(t, () => stack.stop());
  // The password is in force: without it the embedded server refuses.
  const refused = await runCli(['query', 'SELECT 1'], { CLICKHOUSE_URL: stack.clickhouseUrl });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refused user "default"/);

  const pids = tree(stack.up.pid);
  const sockets = listeners();
  const bound: string[] = [];
  for (const pid of pids) {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    assert.ok(!cmdline.includes(secret), `pid ${pid}'s command line holds the password: ${cmdline}`);
    assert.ok(!environ.includes(secret), `pid ${pid}'s environment holds the password`);
    let fds: string[];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      let target: string;
      try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const address = inode ? sockets.get(inode) : undefined;
      if (address) bound.push(`${address} (pid ${pid})`);
    }
  }
  const unique = [...new Set(bound)];
  assert.ok(unique.length >= 4, `kafka (client + controller), clickhouse and dashboard listen: ${unique.join(', ')}`);
  for (const address of unique) assert.match(address, /^(127\.0\.0\.1|::ffff:127\.0\.0\.1|::1):\d+ /, `${address} is not loopback`);
  assert.ok(!stack.up.output.includes(secret), 'no log line holds the password');
  process.stdout.write(`# listeners: ${unique.join(', ')}\n`);
});
