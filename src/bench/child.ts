/** Child processes of the benchmark: the CLI as users run it, and other programs (kcat). */
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

export { freePort } from '../host/ports.js';
