// Shared with the benchmarks (npm run bench -- --only cluster): one implementation, in src/bench/servers.
export * from '../../src/bench/servers/wait.js';
