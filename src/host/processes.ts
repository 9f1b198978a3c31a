import { readFileSync } from 'node:fs';

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether it still runs: alive and, where /proc tells, not a zombie. A process whose parent died
 * is a zombie until init reaps it, which some inits do only now and then.
 */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return isAlive(pid);
  }
}

/**
 * When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), as text;
 * undefined without /proc or once it is gone. A pid with another start time is another program
 * that got a recycled pid.
 */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which may itself hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether `pid` is the process that had `startTime`: still running and not a recycled pid. */
export function isSameProcess(pid: number, startTime: string): boolean {
  return isRunning(pid) && startTimeOf(pid) === startTime;
}
