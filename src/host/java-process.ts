/**
 * What the JVM services (the Kafka broker, the Connect worker) share: a detached start tied to
 * this process with a pid file, their output passed to our log with a tail kept for error
 * messages, and a stop that asks first (SIGTERM: a controlled shutdown) and kills after a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { KchError, messageOf, type ErrorCode } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import { lastLines } from './maven-jars.js';
import { isAlive } from './processes.js';
import { tieToThisProcess } from './supervisor.js';

export interface LaunchJavaOptions {
  /** The service as the log names it: `Kafka`, `Kafka Connect`. */
  readonly name: string;
  readonly java: string;
  /** JVM flags, class path, main class and its arguments. */
  readonly args: readonly string[];
  readonly cwd: string;
  /** Its command line names this class: how a pid is told to be this service's JVM. */
  readonly mainClass: string;
  /** Holds `<jvm pid> <our pid>` while it runs. */
  readonly pidFile: string;
  readonly stopTimeoutMs: number;
  /** The code of the error thrown when Java cannot be run at all. */
  readonly startErrorCode: ErrorCode;
  readonly log: Logger;
}

export interface JavaProcess {
  readonly pid: number;
  readonly output: OutputTail;
  /** The JVM's exit code (null when killed by a signal); the pid file is gone by then. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after the deadline; the output goes to debug from then on. Safe to call twice. */
  readonly stop: () => Promise<void>;
}

/** A JVM service once ready, as its start returns it. */
export interface RunningJavaService {
  readonly pid: number;
  readonly logFile: string;
  readonly version: string;
  /** From spawning the JVM to its first answer. */
  readonly startupMs: number;
  /** SIGTERM (its controlled shutdown), then SIGKILL after a deadline. Safe to call twice. */
  stop(): Promise<void>;
  /** The JVM's exit code (null when killed by a signal), whenever it exits. */
  readonly exited: Promise<number | null>;
}

/** Starts the JVM detached, tied to this process, with its pid file written before this returns. */
export async function launchJava(options: LaunchJavaOptions): Promise<JavaProcess> {
  const { log, pidFile } = options;
  const child = spawn(options.java, options.args, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C in a terminal reaches only us, and we stop the JVM in order.
    detached: true,
  });
  const spawnError = new Promise<Error>((resolveError) => child.once('error', resolveError));
  const pid = child.pid;
  if (pid === undefined) {
    const error = await spawnError;
    throw new KchError(options.startErrorCode, `cannot run ${options.java}: ${messageOf(error)}`, { cause: error });
  }
  const output = forwardOutput(child, log);
  // Detached, the JVM would outlive a kch killed with SIGKILL, holding its ports and data: a
  // watchdog stops it when this process ends, however (src/host/supervisor.ts).
  const tie = tieToThisProcess(pid, options.mainClass, log);
  // If this process ends without stopping the JVM (an uncaught error, process.exit), ask it to
  // shut down on our way out.
  const killOnExit = (): void => { signalProcess(pid, 'SIGTERM'); };
  process.on('exit', killOnExit);
  // The JVM's pid, then ours: one whose kch died (kill -9) can be told from a live one.
  const pidFileWritten = writeFile(pidFile, `${pid} ${process.pid}\n`);
  const exited = new Promise<number | null>((resolveExit) => {
    // 'close' rather than 'exit': by then its last output lines have reached us too.
    child.once('close', (code, signal) => resolveExit(code ?? (signal ? null : 0)));
  }).then(async (code) => {
    // Tidy up before anyone awaiting `exited` (or stop()) carries on.
    process.off('exit', killOnExit);
    tie.release();
    await pidFileWritten.catch(() => undefined);
    await rm(pidFile, { force: true }).catch(() => undefined);
    return code;
  });
  await pidFileWritten;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    // Shutdown warnings (clients closed twice and the like) are expected: keep them in the log file.
    output.quiet();
    stopping ??= stopProcess(options.name, pid, exited, log, options.stopTimeoutMs);
    return stopping;
  };
  return { pid, output, exited, stop };
}

/**
 * Log4j 2 configuration: everything to `logFile` (rolled at 20 MB), warnings and errors also to
 * stderr, where `forwardOutput` picks them up. `loggers`: the service's own `<Logger>` elements.
 */
export function renderJavaLog4j2(logFile: string, loggers: string): string {
  const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by kch on every start; edits here are overwritten. -->
<!-- shutdownHook="disable": otherwise log4j may close the file before the service logs its shutdown. -->
<Configuration status="warn" shutdownHook="disable">
  <Appenders>
    <RollingFile name="file" fileName="${xml(logFile)}" filePattern="${xml(logFile)}.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="20 MB"/>
      <DefaultRolloverStrategy max="5"/>
    </RollingFile>
    <Console name="stderr" target="SYSTEM_ERR">
      <ThresholdFilter level="WARN" onMatch="ACCEPT" onMismatch="DENY"/>
      <PatternLayout pattern="%p %m (%c{1})%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="INFO">
      <AppenderRef ref="file"/>
      <AppenderRef ref="stderr"/>
    </Root>
${loggers.replace(/^\n+/, '').trimEnd()}
  </Loggers>
</Configuration>
`;
}

/** A JVM that a pid file names and that still runs. */
export interface PidFileHolder {
  readonly pid: number;
  /** Set only when the kch that started it (this pid) is gone (kill -9): nobody will stop the JVM but us. */
  readonly goneOwner?: number;
}

/**
 * Reads a pid file written by `launchJava`. A file naming no live JVM of `mainClass` (a stale
 * one, a reused pid) is removed and undefined returned.
 */
export async function readPidFile(pidFile: string, mainClass: string): Promise<PidFileHolder | undefined> {
  let pid: number;
  let owner: number | undefined;
  try {
    const [jvm, parent] = (await readFile(pidFile, 'utf8')).trim().split(/\s+/).map(Number);
    pid = jvm ?? Number.NaN;
    owner = parent;
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0 || !isJavaProcess(pid, mainClass)) {
    await rm(pidFile, { force: true });
    return undefined;
  }
  const ownerGone = owner !== undefined && Number.isSafeInteger(owner) && owner > 0 && !isAlive(owner);
  return ownerGone ? { pid, goneOwner: owner } : { pid };
}

/** Alive, and (where /proc tells us) really a JVM of `mainClass` rather than a reused pid. */
function isJavaProcess(pid: number, mainClass: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(mainClass);
  } catch {
    return true;
  }
}

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
