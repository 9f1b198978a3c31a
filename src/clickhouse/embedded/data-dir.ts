/**
 * The embedded server's data folder: created if missing, checked for writing, and owned by one
 * process at a time through a lock file holding the owner's PID. ClickHouse itself would not stop
 * a second process from opening the same folder, and two engines writing one MergeTree corrupt it.
 * A lock left by a process that died is taken over; on Linux the owner's start time is stored too,
 * so a recycled PID is not mistaken for the owner.
 */
import { closeSync, constants, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, KchError } from '../../errors/kch-error.js';
import { isAlive } from '../../host/processes.js';

export const LOCK_FILE = 'kch-clickhouse.lock';

export interface DataDirLock {
  readonly dir: string;
  readonly lockFile: string;
  /** Removes the lock file if it is still ours. Synchronous, so it can run at process exit. */
  release(): void;
}

interface LockContent {
  pid: number;
  host: string;
  /** /proc/<pid>/stat start time (Linux), to tell a live owner from a recycled PID. */
  started?: string;
}

/** Folders locked by this process: a second server in the same process is refused too. */
const heldHere = new Set<string>();

export async function lockDataDir(dir: string): Promise<DataDirLock> {
  try {
    await mkdir(dir, { recursive: true });
    if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new KchError(ErrorCodes.DATA_DIR, `cannot use ${dir} for ClickHouse data: ${reason(error)}; choose another folder with --data-dir`, { cause: error });
  }
  const real = realpathSync(dir);
  const lockFile = join(real, LOCK_FILE);
  if (heldHere.has(real)) {
    throw new KchError(ErrorCodes.DATA_DIR_LOCKED, `${dir} is already served by this process (pid ${process.pid}); use another --data-dir`);
  }
  const mine: LockContent = { pid: process.pid, host: hostname(), ...startedOf(process.pid) };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o644);
      try {
        writeSync(fd, `${JSON.stringify(mine)}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new KchError(ErrorCodes.DATA_DIR, `cannot write the lock file ${lockFile}: ${reason(error)}; choose another folder with --data-dir`, { cause: error });
      }
      const owner = readLock(lockFile);
      if (owner && ownerAlive(owner)) {
        throw new KchError(ErrorCodes.DATA_DIR_LOCKED,
          `${dir} is in use by another ClickHouse started by kch (pid ${owner.pid}${owner.host === mine.host ? '' : ` on ${owner.host}`}); stop it first or use another --data-dir (if no such process runs, delete ${lockFile})`);
      }
      // The owner is gone: take the folder over.
      try { unlinkSync(lockFile); } catch { /* raced with another taker; the next attempt tells */ }
    }
  }
  heldHere.add(real);
  let released = false;
  return {
    dir: real,
    lockFile,
    release: () => {
      if (released) return;
      released = true;
      heldHere.delete(real);
      if (readLock(lockFile)?.pid === process.pid) {
        try { unlinkSync(lockFile); } catch { /* already gone */ }
      }
    },
  };
}

function readLock(file: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return undefined;
    return { pid: parsed.pid, host: typeof parsed.host === 'string' ? parsed.host : '', ...(typeof parsed.started === 'string' ? { started: parsed.started } : {}) };
  } catch {
    // Unreadable or half-written: treat as no owner (a live owner writes it in one call).
    return undefined;
  }
}

function ownerAlive(owner: LockContent): boolean {
  // A lock from another machine (a shared folder) cannot be checked: assume it is held.
  if (owner.host !== '' && owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return false;
  if (!isAlive(owner.pid)) return false;
  if (owner.started === undefined) return true;
  const now = startedOf(owner.pid).started;
  return now === undefined || now === owner.started;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startedOf(pid: number): { started?: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const started = fields[19];
    return started === undefined ? {} : { started };
  } catch {
    return {};
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'not a directory';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
