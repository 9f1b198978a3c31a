// The tests ask for free ports the way the benchmark does.
export { freePort } from '../../src/host/ports.js';
