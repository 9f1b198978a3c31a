// Shared with the benchmarks and the Connect client: one implementation, in src/time/poll.ts.
export * from '../../src/time/poll.js';
