/**
 * Compose's `restart: unless-stopped`, with a limit: a service that dies is started again after
 * a growing pause; one that dies `maxCrashes` times within `windowMs` is given up on.
 */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(private readonly maxCrashes = 5, private readonly windowMs = 120_000, private readonly maxPauseMs = 30_000) {}

  /** Records a crash at `now`; returns the pause before restarting, or undefined to give up. */
  crashed(now: number): number | undefined {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    this.crashes.push(now);
    if (this.crashes.length >= this.maxCrashes) return undefined;
    return Math.min(this.maxPauseMs, 1000 * 2 ** (this.crashes.length - 1));
  }
}
