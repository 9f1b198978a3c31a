import type { Command } from '../shared/command.js';
import { clickhouseCommand } from './clickhouse.js';
import { cdcCommand } from './cdc.js';
import { connectCommand } from './connect.js';
import { dlqCommand } from './dlq.js';
import { dashboardCommand } from './dashboard.js';
import { generateCommand } from './generate.js';
import { initCommand } from './init.js';
import { kafkaCommand } from './kafka.js';
import { migrateCommand } from './migrate.js';
import { pauseCommand } from './pause.js';
import { queryCommand } from './query.js';
import { replayCommand } from './replay.js';
import { resumeCommand } from './resume.js';
import { sinkCommand } from './sink.js';
import { statusCommand } from './status.js';
import { upCommand } from './up.js';
import { verifyCommand } from './verify.js';

/** Every command, in the order `kch --help` lists them. */
export const commands: readonly Command[] = [
  upCommand,
  initCommand,
  kafkaCommand,
  clickhouseCommand,
  connectCommand,
  cdcCommand,
  migrateCommand,
  generateCommand,
  sinkCommand,
  queryCommand,
  statusCommand,
  pauseCommand,
  resumeCommand,
  replayCommand,
  dlqCommand,
  dashboardCommand,
  verifyCommand,
];
