// Shared with the benchmarks and the Connect client: one implementation, in src/host/poll.ts.
export * from '../../src/time/poll.js';
