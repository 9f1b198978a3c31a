import { defineCommand } from '../command.js';

// Placeholder: being written.
export const kafkaCommand = defineCommand({
  name: 'kafka',
  summary: 'not yet written',
  options: [],
  run: async () => 1,
});
