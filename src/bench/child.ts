/** Child processes of the benchmark: the CLI as users run it, other programs (kcat), and measurements' own scripts. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

/** The built CLI next to this file (dist/cli/main.js). */
export const cliPath = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** A running program whose output is collected; stopped by its PID only. */
export class Child {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;
  readonly startedAt = performance.now();
  endedAt: number | undefined;

  constructor(command: string, args: readonly string[], options: SpawnOptions & { keepOutput?: number } = {}) {
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    const keep = options.keepOutput ?? 200_000;
    const take = (d: Buffer): void => {
      this.output += d.toString();
      if (this.output.length > keep) this.output = this.output.slice(-keep / 2);
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => { this.endedAt = performance.now(); resolve(code); }));
    this.child.on('error', (error) => { this.output += `\nspawn error: ${error.message}`; });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Wall time from spawn to exit, ms. */
  get elapsedMs(): number | undefined {
    return this.endedAt === undefined ? undefined : this.endedAt - this.startedAt;
  }

  /** Waits until the output matches, failing if the program exits first or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (!this.running) throw new Error(`${what}: the program exited (${this.child.exitCode ?? this.child.signalCode}) first. Output:\n${this.output.slice(-3000)}`);
      if (performance.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs / 1000} s. Output:\n${this.output.slice(-3000)}`);
      await delay(100);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill(signal);
    const timer = setTimeout(() => { if (this.running) this.child.kill('SIGKILL'); }, timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** `kch <args>` as a child process. */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}, nodeArgs: readonly string[] = []): Child {
  return new Child(process.execPath, [...nodeArgs, cliPath, ...args], { env: { ...process.env, KCH_LOG_LEVEL: 'info', ...env } });
}

/** Runs a program to completion; rejects on a non-zero exit. */
export async function run(command: string, args: readonly string[], options: SpawnOptions = {}, timeoutMs = 600_000): Promise<Child> {
  const child = new Child(command, args, options);
  const timer = setTimeout(() => { void child.stop('SIGKILL'); }, timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${child.output.slice(-3000)}`);
  return child;
}

/**
 * Runs a measurement's own Node script (`node <script> <json options>`) to its end and resolves
 * with the JSON of the last line it printed; each line it writes to stderr goes to `progress`.
 */
export function runJsonChild<T>(script: string, options: object, what: string, progress?: (line: string) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      err = (err + text).slice(-4000);
      if (!progress) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) progress(line);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1)!) as T);
      else reject(new Error(`${what} exited with ${code}: ${err.slice(-800)}`));
    });
  });
}

export { freePort } from '../host/ports.js';
