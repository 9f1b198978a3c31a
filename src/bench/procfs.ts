/**
 * Memory and CPU of the stack's processes, read from /proc (Linux). A service is a process tree:
 * `kch kafka` is a Node wrapper and its JVM, so a service's figure is the sum over its tree.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of utime/stime; 100 on every Linux this runs on (getconf CLK_TCK). */
const TICKS_PER_SECOND = 100;

export interface ProcStatus {
  /** Resident set now, bytes. */
  readonly rssBytes: number;
  /** Peak resident set over the process's life, bytes. */
  readonly hwmBytes: number;
}

/** VmRSS and VmHWM of /proc/<pid>/status text (kB lines). */
export function parseStatus(text: string): ProcStatus {
  const kb = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  };
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, seconds. */
  readonly cpuSeconds: number;
}

/**
 * pid, ppid and CPU time of /proc/<pid>/stat text. The command name (field 2) is in parentheses
 * and may hold spaces and parentheses itself, so fields are counted from the last ')'.
 */
export function parseStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return { pid, ppid, cpuSeconds: (utime + stime) / TICKS_PER_SECOND };
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every live process's parent, for walking trees. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = read(`/proc/${name}/stat`);
    if (text) map.set(Number(name), parseStat(text).ppid);
  }
  return map;
}

/** `root` and all its live descendants. */
export function processTree(root: number, parentOf: Map<number, number> = parents()): number[] {
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  }
  return tree;
}

export interface TreeUsage {
  readonly pids: readonly number[];
  readonly rssBytes: number;
  /** Sum of each process's own peak: an upper bound of the tree's peak. */
  readonly hwmBytes: number;
  readonly cpuSeconds: number;
}

/** Memory and CPU of a process tree now; zeros when it is gone. */
export function treeUsage(root: number, parentOf?: Map<number, number>): TreeUsage {
  const pids: number[] = [];
  let rssBytes = 0;
  let hwmBytes = 0;
  let cpuSeconds = 0;
  for (const pid of processTree(root, parentOf)) {
    const status = read(`/proc/${pid}/status`);
    const stat = read(`/proc/${pid}/stat`);
    if (!status || !stat) continue;
    pids.push(pid);
    const s = parseStatus(status);
    rssBytes += s.rssBytes;
    hwmBytes += s.hwmBytes;
    cpuSeconds += parseStat(stat).cpuSeconds;
  }
  return { pids, rssBytes, hwmBytes, cpuSeconds };
}

/** The machine's load averages (1, 5, 15 min) from /proc/loadavg. */
export function loadAverage(): string {
  return (read('/proc/loadavg') ?? '').trim().split(' ').slice(0, 3).join(' ');
}

export interface Sample {
  /** ms since the sampler started. */
  readonly t: number;
  readonly usage: Readonly<Record<string, TreeUsage>>;
}

export interface WindowUsage {
  /** Highest sampled RSS of the group in the window. */
  readonly peakRssBytes: number;
  /** Median sampled RSS in the window. */
  readonly steadyRssBytes: number;
  /** Highest VmHWM sum seen (peak since the processes started). */
  readonly hwmBytes: number;
  /** CPU seconds spent in the window. */
  readonly cpuSeconds: number;
  /** Average cores busy in the window. */
  readonly cores: number;
}

/** Peak and median RSS and CPU spent by one group between two sample times. */
export function windowUsage(samples: readonly Sample[], group: string, from: number, to: number): WindowUsage | undefined {
  const inside = samples.filter((s) => s.t >= from && s.t <= to && s.usage[group] && s.usage[group].pids.length > 0);
  if (inside.length === 0) return undefined;
  const rss = inside.map((s) => s.usage[group]!.rssBytes).sort((a, b) => a - b);
  const first = inside[0]!;
  const last = inside[inside.length - 1]!;
  const cpuSeconds = Math.max(0, last.usage[group]!.cpuSeconds - first.usage[group]!.cpuSeconds);
  const seconds = (last.t - first.t) / 1000;
  return {
    peakRssBytes: rss[rss.length - 1]!,
    steadyRssBytes: rss[Math.floor((rss.length - 1) / 2)]!,
    hwmBytes: Math.max(...inside.map((s) => s.usage[group]!.hwmBytes)),
    cpuSeconds,
    cores: seconds > 0 ? cpuSeconds / seconds : 0,
  };
}

/** Samples the named process trees every `intervalMs` until stopped. */
export class Sampler {
  readonly samples: Sample[] = [];
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly roots = new Map<string, number>();

  constructor(private readonly intervalMs = 1000) {}

  /** Adds (or replaces) a group to sample from now on. */
  watch(group: string, pid: number): void {
    this.roots.set(group, pid);
  }

  unwatch(group: string): void {
    this.roots.delete(group);
  }

  now(): number {
    return performance.now() - this.started;
  }

  /** Takes one sample now and returns its time. */
  sample(): number {
    const parentOf = parents();
    const usage: Record<string, TreeUsage> = {};
    for (const [group, pid] of this.roots) usage[group] = treeUsage(pid, parentOf);
    const t = this.now();
    this.samples.push({ t, usage });
    return t;
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
