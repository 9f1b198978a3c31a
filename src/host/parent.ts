/**
 * Noticing that the process that started this one has exited.
 *
 * `npm start` runs `kch up` as npm → sh -c → node. A process manager's SIGTERM reaches npm, which
 * passes it to the `sh` only: `sh` and npm exit and `kch up` is re-parented, still running with
 * every service and port. Linux could send a signal on the parent's death (PR_SET_PDEATHSIG), but
 * Node offers no way to ask for it; npm gives the script no IPC channel, and its stdin is npm's
 * own (a terminal, or whatever the manager gave npm), which does not close when npm exits. What
 * does change, whoever the parent was and however it ended, is the parent pid: the orphan is
 * adopted by init or the nearest subreaper. `process.ppid` asks the kernel on every read, so a
 * look every half second costs one system call.
 */

export interface ParentWatch {
  /** Aborted once the parent has gone. */
  readonly signal: AbortSignal;
  /** Stops watching (the timer never keeps the process alive either way). */
  close(): void;
}

/**
 * Watches the parent this process has now. Started by init itself (ppid 1: a container's entry
 * point, a daemonized start), there is no parent to lose, and nothing is watched.
 */
export function watchParent(onGone: (parent: number, adoptedBy: number) => void, intervalMs = 500): ParentWatch {
  const controller = new AbortController();
  const parent = process.ppid;
  if (parent <= 1) return { signal: controller.signal, close: () => undefined };
  const timer = setInterval(() => {
    const now = process.ppid;
    if (now === parent) return;
    clearInterval(timer);
    onGone(parent, now);
    controller.abort();
  }, intervalMs);
  timer.unref();
  return { signal: controller.signal, close: () => clearInterval(timer) };
}
