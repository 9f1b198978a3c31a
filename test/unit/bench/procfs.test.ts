import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStat, parseStatus, treeUsage, windowUsage, type Sample, type TreeUsage } from '../../../src/bench/procfs.js';

test('VmRSS and VmHWM are read from /proc/<pid>/status in bytes', () => {
  const text = 'Name:\tjava\nVmPeak:\t 3225912 kB\nVmHWM:\t  387824 kB\nVmRSS:\t  343184 kB\nThreads:\t55\n';
  assert.deepEqual(parseStatus(text), { rssBytes: 343184 * 1024, hwmBytes: 387824 * 1024 });
  assert.deepEqual(parseStatus('Name:\tgone\n'), { rssBytes: 0, hwmBytes: 0 });
});

test('CPU time is read after the command name, even one holding spaces and parentheses', () => {
  const fields = ['S', '77', '1', '1', '0', '-1', '4194560', '100', '0', '0', '0', '250', '50', '0', '0', '20', '0', '8', '0', '12345'];
  const stat = parseStat(`4242 (node (bench) x) ${fields.join(' ')}`);
  assert.deepEqual(stat, { pid: 4242, ppid: 77, cpuSeconds: 3 });
});

test('this process is read as a tree of at least itself, with memory and CPU', () => {
  const usage = treeUsage(process.pid);
  assert.ok(usage.pids.includes(process.pid));
  assert.ok(usage.rssBytes > 10 * 1024 * 1024);
  assert.ok(usage.hwmBytes >= usage.rssBytes);
  assert.ok(usage.cpuSeconds > 0);
  assert.deepEqual(treeUsage(2 ** 22 + 12345).pids, []);
});

test('a window gives the peak and median RSS, the CPU spent and the cores busy', () => {
  const u = (rss: number, cpu: number): TreeUsage => ({ pids: [1], rssBytes: rss, hwmBytes: rss + 1, cpuSeconds: cpu });
  const samples: Sample[] = [
    { t: 0, usage: { a: u(100, 1) } },
    { t: 1000, usage: { a: u(300, 2) } },
    { t: 2000, usage: { a: u(200, 3.5) } },
    { t: 3000, usage: { a: u(900, 9) } },
  ];
  assert.deepEqual(windowUsage(samples, 'a', 0, 2000), { peakRssBytes: 300, steadyRssBytes: 200, hwmBytes: 301, cpuSeconds: 2.5, cores: 1.25 });
  assert.equal(windowUsage(samples, 'b', 0, 3000), undefined);
});
