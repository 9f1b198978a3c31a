import type { Command } from '../command.js';
import { kafkaCommand } from './kafka.js';
import { clickhouseCommand } from './clickhouse.js';

/** Every command, in the order `kch --help` lists them. */
export const commands: readonly Command[] = [
  kafkaCommand,
  clickhouseCommand,
];
