/**
 * What `kch verify` knows about each event of its run, indexed by sequence number: which stream
 * it went to, whether it was made bad on purpose, when it was handed to the producer, when Kafka
 * acknowledged it and when it was first seen in ClickHouse. Typed arrays keep 100,000 events (or
 * ten million) cheap; NaN means "not yet".
 */
export class Ledger {
  readonly stream: Uint8Array;
  readonly bad: Uint8Array;
  readonly createdAt: Float64Array;
  readonly ackedAt: Float64Array;
  readonly arrivedAt: Float64Array;
  /** Seen in a dead-letter table (bad events, or good ones a check rejected). */
  readonly deadLettered: Uint8Array;
  sent = 0;
  acknowledged = 0;
  failed = 0;
  arrived = 0;
  deadLetters = 0;
  /** Acknowledged events seen in a target or a dead-letter table. */
  accounted = 0;
  lastAckAt = Number.NaN;
  lastArrivalAt = Number.NaN;

  constructor(readonly count: number) {
    this.stream = new Uint8Array(count);
    this.bad = new Uint8Array(count);
    this.createdAt = new Float64Array(count).fill(Number.NaN);
    this.ackedAt = new Float64Array(count).fill(Number.NaN);
    this.arrivedAt = new Float64Array(count).fill(Number.NaN);
    this.deadLettered = new Uint8Array(count);
  }

  /** Records event `seq` as made and handed to the producer at `now`. */
  made(seq: number, stream: number, bad: boolean, now: number): void {
    this.stream[seq] = stream;
    this.bad[seq] = bad ? 1 : 0;
    this.createdAt[seq] = now;
    this.sent += 1;
  }

  /** Kafka acknowledged events `from` ..< `to`. */
  acked(from: number, to: number, now: number): void {
    for (let seq = from; seq < to; seq++) {
      if (!Number.isNaN(this.ackedAt[seq]!)) continue;
      this.ackedAt[seq] = now;
      this.acknowledged += 1;
      if (this.isAccounted(seq)) this.accounted += 1;
    }
    this.lastAckAt = now;
  }

  /** The producer gave up on events `from` ..< `to` (their fate is unknown: Kafka may have them). */
  unacknowledged(from: number, to: number): void {
    this.failed += to - from;
  }

  /** Event `seq` was seen in a target table, arriving at about `at`; true the first time. */
  arrival(seq: number, at: number): boolean {
    if (seq < 0 || seq >= this.count || !Number.isNaN(this.arrivedAt[seq]!)) return false;
    const wasAccounted = this.isAccounted(seq);
    this.arrivedAt[seq] = at;
    this.arrived += 1;
    if (!(at <= this.lastArrivalAt)) this.lastArrivalAt = at;
    if (!wasAccounted && this.isAcked(seq)) this.accounted += 1;
    return true;
  }

  /** Event `seq` was seen in a dead-letter table; true the first time. */
  deadLetter(seq: number): boolean {
    if (seq < 0 || seq >= this.count || this.deadLettered[seq] === 1) return false;
    const wasAccounted = this.isAccounted(seq);
    this.deadLettered[seq] = 1;
    this.deadLetters += 1;
    if (!wasAccounted && this.isAcked(seq)) this.accounted += 1;
    return true;
  }

  isAcked(seq: number): boolean {
    return !Number.isNaN(this.ackedAt[seq]!);
  }

  isAccounted(seq: number): boolean {
    return !Number.isNaN(this.arrivedAt[seq]!) || this.deadLettered[seq] === 1;
  }

  /** Every acknowledged event is in a target or a dead-letter table. */
  get complete(): boolean {
    return this.accounted >= this.acknowledged;
  }
}

/**
 * Where an arrival most likely happened, from two clues: ClickHouse's `processing_time` (whole
 * seconds: the row arrived in [t, t + 1 s)) and our polls (it was not visible at the previous
 * poll, and visible at this one). The midpoint of the overlap, or of the second when the clocks
 * disagree.
 */
export function arrivalEstimate(processingTimeSec: number, previousPollMs: number, thisPollMs: number): number {
  const low = Math.max(processingTimeSec * 1000, previousPollMs);
  const high = Math.min(processingTimeSec * 1000 + 1000, thisPollMs);
  return low <= high ? (low + high) / 2 : processingTimeSec * 1000 + 500;
}

/** Nearest-rank percentile of `sorted` (ascending); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
