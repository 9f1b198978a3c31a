import { defineCommand } from '../command.js';

// Placeholder: being written.
export const clickhouseCommand = defineCommand({
  name: 'clickhouse',
  summary: 'not yet written',
  options: [],
  run: async () => 1,
});
