/**
 * What a running `kch up` notes in its data folder (`kch-up.json`): its own pid and each
 * service's, every pid with its process's start time, and the ports each service listens on. It
 * is removed when the run stops cleanly. A later start that finds a port taken reads it to tell
 * an earlier run of ours (still running, or left behind when its parent went away) from a foreign
 * program, and names what to stop instead of sending the user to another port. The start time
 * (from /proc) keeps a pid the system has since given to another program from being taken for
 * ours; without /proc nothing is noted and a taken port is reported as before.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess, startTimeOf } from '../host/processes.js';

export const RUN_FILE = 'kch-up.json';

interface ProcessNote {
  readonly pid: number;
  readonly startTime: string;
}

export interface ServiceNote extends ProcessNote {
  readonly name: string;
  readonly ports: readonly number[];
}

interface RunNote extends ProcessNote {
  /** ISO time the run began, for the message. */
  readonly startedAt: string;
  readonly services: readonly ServiceNote[];
}

/** This run's note, rewritten whenever a service is (re)started. */
export class RunRecord {
  private readonly services = new Map<string, ServiceNote>();
  private readonly self: ProcessNote | undefined;
  private readonly startedAt = new Date().toISOString();
  private readonly file: string;

  constructor(private readonly dataDir: string) {
    this.file = join(dataDir, RUN_FILE);
    const startTime = startTimeOf(process.pid);
    this.self = startTime === undefined ? undefined : { pid: process.pid, startTime };
  }

  /** Notes the process a service runs in now. */
  service(name: string, pid: number | undefined, ports: readonly number[]): void {
    const startTime = pid === undefined ? undefined : startTimeOf(pid);
    if (!this.self || pid === undefined || startTime === undefined) return;
    this.services.set(name, { name, pid, startTime, ports });
    const note: RunNote = { ...this.self, startedAt: this.startedAt, services: [...this.services.values()] };
    try {
      mkdirSync(this.dataDir, { recursive: true });
      // Written whole, then renamed: a start reading it meanwhile never sees half a file.
      const partial = `${this.file}.${process.pid}`;
      writeFileSync(partial, `${JSON.stringify(note, null, 2)}\n`);
      renameSync(partial, this.file);
    } catch {
      // A folder that cannot be written makes the services fail with their own clear line.
    }
  }

  /** Once every service stopped: nothing of this run is left to report. Only our own note. */
  remove(): void {
    if (this.self && readNote(this.dataDir)?.pid === this.self.pid) rmSync(this.file, { force: true });
  }
}

function readNote(dataDir: string): RunNote | undefined {
  try {
    const note = JSON.parse(readFileSync(join(dataDir, RUN_FILE), 'utf8')) as RunNote;
    return typeof note.pid === 'number' && Array.isArray(note.services) ? note : undefined;
  } catch {
    return undefined;
  }
}

/** Of an earlier run on this data folder, what still runs. */
export interface Leftovers {
  readonly dataDir: string;
  /** That `kch up` itself, when it still runs. */
  readonly up: { readonly pid: number; readonly startedAt: string } | undefined;
  /** Every service of it whose process still runs (the one it was noted with, not a recycled pid). */
  readonly services: readonly ServiceNote[];
  /** Each port that run's services listen on, with the service's name. */
  readonly ports: ReadonlyMap<number, string>;
}

/** What an earlier run left running on this data folder; undefined when nothing of it runs. */
export function leftoversIn(dataDir: string): Leftovers | undefined {
  const note = readNote(dataDir);
  if (!note) return undefined;
  const up = isSameProcess(note.pid, note.startTime) ? { pid: note.pid, startedAt: note.startedAt } : undefined;
  const services = note.services.filter((s) => isSameProcess(s.pid, s.startTime));
  if (!up && services.length === 0) return undefined;
  const ports = new Map<number, string>();
  for (const s of note.services) for (const port of s.ports) ports.set(port, s.name);
  return { dataDir, up, services, ports };
}

/**
 * The line for a port an earlier run of ours holds, or undefined when it is not ours (a foreign
 * program's: the caller's message about choosing another port stands).
 */
export function takenByLeftover(leftovers: Leftovers | undefined, host: string, port: number): string | undefined {
  const service = leftovers?.ports.get(port);
  if (!leftovers || service === undefined) return undefined;
  const holder = leftovers.services.find((s) => s.name === service);
  // A service of a run that is over, gone itself: the port is someone else's now.
  if (!leftovers.up && !holder) return undefined;
  const list = leftovers.services.map((s) => `${s.name} pid ${s.pid}`).join(', ');
  const taken = `port ${port} on ${host} is taken by ${holder ? `${service} (pid ${holder.pid})` : service}`;
  if (leftovers.up) {
    return `${taken} of a kch up that still runs on this data folder (${leftovers.dataDir}): pid ${leftovers.up.pid}, started ${leftovers.up.startedAt}${list ? `, with ${list}` : ''}; stop it with Ctrl-C where it runs, or kill ${leftovers.up.pid} (it stops every service, kafka last)`;
  }
  // Kafka last, as kch up would: the others commit their offsets to it while they stop.
  const others = leftovers.services.filter((s) => s.name !== 'kafka').map((s) => s.pid);
  const kafka = leftovers.services.filter((s) => s.name === 'kafka').map((s) => s.pid);
  const stop = others.length && kafka.length ? `kill ${others.join(' ')}, then kill ${kafka.join(' ')} (kafka last)` : `kill ${[...others, ...kafka].join(' ')}`;
  return `${taken}, left running by an earlier kch up on this data folder (${leftovers.dataDir}) that has ended: ${list} still run; stop them with ${stop}`;
}
