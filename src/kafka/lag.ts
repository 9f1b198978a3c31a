/**
 * A partition's consumer lag, the one way `kch status`, the dashboard and /metrics count it:
 * messages between the group's committed offset and the end. A group that never committed has
 * everything ahead of it (the Kafka tables start from the earliest offset). A commit beyond the
 * end (a topic truncated or made again) is no lag, not a negative one.
 */
export function partitionLag(end: bigint, committed: bigint | undefined): number {
  const lag = end - (committed ?? 0n);
  return lag > 0n ? Number(lag) : 0;
}
