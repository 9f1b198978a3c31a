/**
 * Compose's `restart: unless-stopped`, with a limit: a service that dies is started again after
 * a growing pause; one that dies `maxCrashes` times within `windowMs` is given up on.
 */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(readonly maxCrashes = 5, readonly windowMs = 120_000, private readonly maxPauseMs = 30_000) {}

  /** Records a crash at `now`; returns the pause before restarting, or undefined to give up. */
  crashed(now: number): number | undefined {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    this.crashes.push(now);
    if (this.crashes.length >= this.maxCrashes) return undefined;
    return Math.min(this.maxPauseMs, 1000 * 2 ** (this.crashes.length - 1));
  }

  /** The back-off in words, after `crashed`: which crash this was in the window, and when it stops. */
  describe(): string {
    return `crash ${this.crashes.length} within ${this.windowMs / 60_000} min, given up on at the ${ordinal(this.maxCrashes)}`;
  }
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}
