/**
 * A server the tests and benchmarks start themselves (Debian's clickhouse-server, ZooKeeper): spawned with its
 * output in a file, stopped by its PID — SIGTERM, then SIGKILL after a deadline — never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Whether it has ended (on its own or stopped). */
  ended(): boolean;
  /** SIGTERM to its PID, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
}

/** Starts `command` with stdout and stderr appended to `outputFile`. */
export function spawnServer(command: string, args: readonly string[], outputFile: string): ServerProcess {
  const output = openSync(outputFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', output, output] });
  closeSync(output);
  // Listened for at once, so an exit before stop() is not missed.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ended = (): boolean => child.exitCode !== null || child.signalCode !== null;
  if (child.pid === undefined) throw new Error(`${command} could not be started`);
  return {
    child,
    pid: child.pid,
    ended,
    async stop(graceMs) {
      if (ended()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (!ended()) child.kill('SIGKILL'); }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A stack frame: ClickHouse's `12. /usr/lib/…` and Java's `\tat org.…`. They would fill the tail. */
const STACK_FRAME = /^(\d+\. \/|\s+at |\s*$)/;

/** The last `count` lines of each file (stack frames left out, long lines shortened), headed by its path: for an error message. */
export async function lastLines(files: readonly string[], count = 15): Promise<string> {
  const parts: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const lines = text.split('\n').filter((l) => !STACK_FRAME.test(l)).slice(-count).map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
    parts.push(`--- last lines of ${file}:\n${lines.join('\n')}`);
  }
  return parts.join('\n');
}
