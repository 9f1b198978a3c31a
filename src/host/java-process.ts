/**
 * What the JVM services (the Kafka broker, the Connect worker) share once spawned: their output
 * passed to our log with a tail kept for error messages, and a stop that asks first (SIGTERM: a
 * controlled shutdown) and kills after a deadline.
 */
import type { ChildProcess } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Logger } from '../output/log.js';
import { lastLines } from './maven-jars.js';

export interface OutputTail {
  /** The JVM's last stdout/stderr lines (where "Invalid maximum heap size" and friends go). */
  lines(): string[];
  /** From now on, pass lines on at debug level only. */
  quiet(): void;
}

/** Passes the JVM's stdout/stderr lines to our log (WARN and above only reach stderr; see its log4j2). */
export function forwardOutput(child: ChildProcess, log: Logger): OutputTail {
  const tail: string[] = [];
  let quiet = false;
  const follow = (stream: NodeJS.ReadableStream | null, fromStderr: boolean): void => {
    if (!stream) return;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (line.trim() === '') return;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (quiet) log.debug(line);
      else if (/^(ERROR|FATAL)\b/.test(line)) log.error(line);
      else if (fromStderr) log.warn(line);
      else log.info(line);
    });
  };
  follow(child.stdout, false);
  follow(child.stderr, true);
  return { lines: () => [...tail], quiet: () => { quiet = true; } };
}

/** For error messages: the log file's last lines, and the JVM's own output if it is not in the log. */
export async function processTail(logFile: string, output: OutputTail): Promise<string> {
  const fromLog = lastLines(await readTail(logFile, 32_768), 12);
  const jvm = output.lines().slice(-8).join('\n');
  const parts: string[] = [];
  if (fromLog !== '') parts.push(`Last lines of ${logFile}:\n${indent(fromLog)}`);
  if (jvm !== '' && !fromLog.includes(jvm)) parts.push(`Its output:\n${indent(jvm)}`);
  return parts.length > 0 ? parts.join('\n') : `It wrote nothing (log: ${logFile}).`;
}

async function readTail(file: string, bytes: number): Promise<string> {
  try {
    const { size } = await stat(file);
    const handle = await open(file, 'r');
    try {
      const length = Math.min(size, bytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}

/** SIGTERM to our child `pid` (named `name` in the log), SIGKILL after `timeoutMs`; resolves once it exited. */
export async function stopProcess(name: string, pid: number, exited: Promise<number | null>, log: Logger, timeoutMs: number): Promise<void> {
  const started = performance.now();
  if (!signalProcess(pid, 'SIGTERM')) {
    await exited;
    return;
  }
  log.info(`stopping ${name} (pid ${pid})…`);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolveTimeout) => { timer = setTimeout(() => resolveTimeout('timeout'), timeoutMs); });
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    log.warn(`${name} (pid ${pid}) did not stop within ${timeoutMs / 1000} s; killing it`);
    signalProcess(pid, 'SIGKILL');
    await exited;
    return;
  }
  log.info(`${name} stopped in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Whether the signal could be sent (false: the process is gone). */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
