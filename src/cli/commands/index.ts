import type { Command } from '../command.js';
import { clickhouseCommand } from './clickhouse.js';
import { dashboardCommand } from './dashboard.js';
import { generateCommand } from './generate.js';
import { kafkaCommand } from './kafka.js';
import { migrateCommand } from './migrate.js';
import { queryCommand } from './query.js';
import { upCommand } from './up.js';
import { verifyCommand } from './verify.js';

/** Every command, in the order `kch --help` lists them. */
export const commands: readonly Command[] = [
  upCommand,
  kafkaCommand,
  clickhouseCommand,
  migrateCommand,
  generateCommand,
  queryCommand,
  dashboardCommand,
  verifyCommand,
];
