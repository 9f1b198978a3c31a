import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../output/log.js';
import { SUPERVISED_ENV, stopAfterLine } from '../host/supervisor.js';

/** The CLI entry point, so that each service runs as `node main.js <command>`, like in Compose. */
export const cliEntry = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface ServiceSpec {
  readonly name: string;
  /** `kch` command and its arguments. */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** One-shot services (migrate) must exit 0 and are never restarted. */
  readonly oneShot?: boolean;
  /** Exiting with code 0 means its work is done (the generator's --count or --duration): not restarted. */
  readonly mayFinish?: boolean;
  /** Time allowed for a clean stop before SIGKILL. */
  readonly stopTimeoutMs?: number;
}

export interface ServiceEvents {
  /** Every output line of the service, already prefixed by its own logger. */
  line(service: string, text: string, stream: 'stdout' | 'stderr'): void;
}

/**
 * One child process of the stack. Runs in its own process group so that a JVM or any other
 * grandchild goes with it when it has to be killed. Its stdin is a pipe that only this process
 * holds: when it closes, whatever ended us, the service stops by itself (src/host/supervisor.ts).
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private readonly tail: string[] = [];
  private readonly errors: string[] = [];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });

  constructor(readonly spec: ServiceSpec, private readonly events: ServiceEvents) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines it printed, for an error message when it dies. */
  lastLines(): string {
    return this.tail.join('\n');
  }

  /** The line of its last stderr output that says why it ended (see `reasonIn`). */
  reason(): string | undefined {
    return reasonIn(this.errors);
  }

  start(): void {
    const child = spawn(process.execPath, [cliEntry, ...this.spec.args], {
      env: { ...this.spec.env, [SUPERVISED_ENV]: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    // Written to only by stopAfter; a service that is gone makes that write fail, harmlessly.
    child.stdin.on('error', () => undefined);
    this.child = child;
    this.tail.length = 0;
    this.errors.length = 0;
    const pipe = (stream: NodeJS.ReadableStream, kind: 'stdout' | 'stderr'): void => {
      createInterface({ input: stream }).on('line', (text) => {
        this.tail.push(text);
        if (this.tail.length > 20) this.tail.shift();
        // Longer: an uncaught error's stack alone takes a dozen lines.
        if (kind === 'stderr') {
          this.errors.push(text);
          if (this.errors.length > 40) this.errors.shift();
        }
        this.events.line(this.spec.name, text, kind);
      });
    };
    pipe(child.stdout, 'stdout');
    pipe(child.stderr, 'stderr');
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: -1, signal: null }));
    });
  }

  /** Should we end without stopping it, it stops only once these processes have exited. */
  stopAfter(pids: readonly number[]): void {
    if (this.running && this.child?.stdin?.writable) this.child.stdin.write(stopAfterLine(pids));
  }

  /** SIGTERM, a deadline for a clean exit, then SIGKILL to the whole group. */
  async stop(log: Logger): Promise<void> {
    const child = this.child;
    if (!child || !this.running || child.pid === undefined) return;
    const pid = child.pid;
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    const timeout = this.spec.stopTimeoutMs ?? 30_000;
    const clean = await Promise.race([this.exited.then(() => true), delay(timeout, false, { ref: false })]);
    if (!clean) {
      log.warn(`${this.spec.name} (pid ${pid}) did not stop within ${timeout / 1000} s: killing it`);
      try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
      await this.exited;
    }
    // A grandchild left behind by a crashed service still belongs to its group.
    try { process.kill(-pid, 'SIGKILL'); } catch { /* group empty: the normal case */ }
  }
}

/**
 * Of a service's last stderr lines, the one that says why it ended: the CLI's own one-line error
 * (`kch dashboard: …`), else an uncaught error's `TypeError: …` line (Node prints it between the
 * source line and the stack, and ends with its version), else the last line with text.
 */
export function reasonIn(lines: readonly string[]): string | undefined {
  const texts = lines.map((line) => line.trim()).filter((line) => line !== '' && !/^Node\.js v\d/.test(line) && !/^at /.test(line));
  const last = (pattern: RegExp): string | undefined => texts.findLast((line) => pattern.test(line));
  return last(/^kch [\w-]+: /) ?? last(/^(?:Uncaught )?(?:[A-Z]\w*)?(?:Error|Exception)(?: \[\w+\])?: /) ?? texts.at(-1);
}
