/**
 * How the processes of `kch up` stop together, however their supervisor ends.
 *
 * `kch up` (src/stack/service.ts) starts each service with KCH_SUPERVISED=1 in its environment and
 * a pipe on its stdin whose write end only `kch up` holds. When `kch up` ends — Ctrl-C, SIGHUP
 * from a closed terminal, an uncaught error, `kill -9`, the OOM killer alike — the kernel closes
 * that end and the service reads end-of-file. `stopWhenSupervisorGone`, called once by every
 * long-running service command (kafka, clickhouse, dashboard, generate), then starts the same
 * graceful stop as SIGTERM does, by sending SIGTERM to its own process: kafka shuts its JVM down,
 * clickhouse detaches its Kafka tables (offsets committed, parts flushed), the generator waits for
 * the events in flight. Signals alone cannot do this: SIGKILL leaves no chance to send one, and
 * the services run in sessions of their own, out of reach of the terminal's SIGHUP.
 *
 * Order: clickhouse commits its offsets to Kafka and the generator flushes to it, so the broker
 * stops last, as on Ctrl-C. `kch up` writes `stop-after <pid> …` to the kafka service's pipe,
 * naming the other services (again whenever one is restarted); once the pipe closes, kafka waits
 * for them to exit (at most STOP_AFTER_LIMIT_MS) before it stops.
 *
 * The broker's JVM runs in a session of its own, so that Ctrl-C reaches only `kch kafka`, which
 * stops it in order. `tieToThisProcess` makes it die with `kch kafka` all the same: a small `sh`
 * holds a pipe from `kch kafka` the same way, and on end-of-file (kch kafka gone, even by
 * SIGKILL) sends the JVM SIGTERM (a controlled shutdown), then SIGKILL after 30 s.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Logger } from '../output/log.js';
import { isRunning } from './processes.js';
import { poll } from '../time/poll.js';

/** Set by the supervisor in a service's environment: its stdin is the supervisor's pipe. */
export const SUPERVISED_ENV = 'KCH_SUPERVISED';

/** How long a service waits for the ones it must outlive, once its supervisor is gone. */
const STOP_AFTER_LIMIT_MS = 60_000;

/** The line a supervisor writes to a service's pipe: stop only after these processes exited. */
export function stopAfterLine(pids: readonly number[]): string {
  return `stop-after ${pids.join(' ')}\n`;
}

let watching = false;

/**
 * In a service started by `kch up`: when `kch up` is gone, stop as on SIGTERM (see above). Does
 * nothing when run by hand. `signal` is the command's: a stop already under way is left alone.
 */
export function stopWhenSupervisorGone(log: Logger, signal: AbortSignal): void {
  if (process.env[SUPERVISED_ENV] !== '1' || watching) return;
  watching = true;
  // Not for what this service starts in turn (the broker's JVM, its watchdog).
  delete process.env[SUPERVISED_ENV];
  // stdout and stderr are pipes to the supervisor as well: once it is gone, writes fail with
  // EPIPE, which must not end the service in the middle of its stop.
  ignoreOutputErrors();
  let outlive: number[] = [];
  const input = process.stdin as NodeJS.ReadStream & Partial<Pick<Socket, 'unref'>>;
  const lines = createInterface({ input, crlfDelay: Infinity });
  lines.on('line', (line) => {
    const match = /^stop-after((?: \d+)*)\s*$/.exec(line);
    if (match) outlive = (match[1] ?? '').split(' ').filter(Boolean).map(Number);
  });
  lines.once('close', () => {
    if (signal.aborted) return;
    void (async () => {
      const waitFor = outlive.filter((pid) => pid !== process.pid && isRunning(pid));
      log.warn(`kch up is gone: stopping${waitFor.length ? ` once pid ${waitFor.join(', ')} exited` : ''}`);
      await poll(() => (signal.aborted || !waitFor.some(isRunning) ? true : undefined), { timeoutMs: STOP_AFTER_LIMIT_MS });
      if (!signal.aborted) process.kill(process.pid, 'SIGTERM');
    })();
  });
  // The pipe must not keep a service alive that has finished (kch generate --count).
  input.unref?.();
}

/** Output to a reader that is gone (a closed terminal, a killed supervisor) is dropped, not fatal. */
export function ignoreOutputErrors(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (!stream.listeners('error').includes(dropError)) stream.on('error', dropError);
  }
}

function dropError(): void {
  // Nowhere left to report it.
}

export interface Tie {
  /** The process exited by itself: the watchdog is no longer needed. */
  release(): void;
}

/**
 * Makes `pid` (a child in a session of its own, e.g. the broker's JVM) stop when this process
 * ends, however it ends: SIGTERM, then SIGKILL after `graceSeconds`. Where /proc exists, the
 * watchdog first checks that `pid` still runs `commandMatch`, against a reused pid.
 */
export function tieToThisProcess(pid: number, commandMatch: string, log: Logger, graceSeconds = 30): Tie {
  const script = [
    'while read -r _; do :; done',
    'p=$1',
    'if [ -r "/proc/$p/cmdline" ] && ! tr "\\000" " " < "/proc/$p/cmdline" | grep -qF -- "$2"; then exit 0; fi',
    'kill -TERM "$p" 2>/dev/null || exit 0',
    'i=0',
    'while kill -0 "$p" 2>/dev/null; do',
    '  i=$((i+1))',
    '  if [ "$i" -gt "$3" ]; then kill -KILL "$p" 2>/dev/null; exit 0; fi',
    '  sleep 1',
    'done',
  ].join('\n');
  const watchdog = spawn('/bin/sh', ['-c', script, 'kch-watchdog', String(pid), commandMatch, String(graceSeconds)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    // Its own session: Ctrl-C or a closed terminal must not end it before it is needed.
    detached: true,
  });
  watchdog.once('error', (error) => log.warn(`cannot start the watchdog that stops pid ${pid} with this process: ${error.message}`));
  watchdog.stdin?.on('error', () => undefined);
  // Neither the watchdog nor its pipe keeps this process alive.
  watchdog.unref();
  (watchdog.stdin as (NodeJS.WritableStream & Partial<Pick<Socket, 'unref'>>) | null)?.unref?.();
  return {
    release() {
      if (watchdog.pid !== undefined && watchdog.exitCode === null && watchdog.signalCode === null) {
        try { process.kill(watchdog.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    },
  };
}
