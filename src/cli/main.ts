#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, isKchError } from '../errors/kch-error.js';
import { ignoreOutputErrors } from '../host/supervisor.js';
import { createLogger } from '../output/log.js';
import { resolveOptions } from '../config/resolve.js';
import type { Command } from './shared/command.js';
import { renderHelp, renderCommandList } from './help.js';
import { commands } from './commands/index.js';

const helpFlags = new Set(['--help', '-h', 'help']);

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || helpFlags.has(name)) {
    const target = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(target ? renderHelp(target) : renderCommandList(commands));
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${await packageVersion()}\n`);
    return 0;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`kch: unknown command "${name}". Commands: ${commands.map((c) => c.name).join(', ')}. See kch --help.\n`);
    return 2;
  }
  if (rest.some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(renderHelp(command));
    return 0;
  }
  const log = createLogger(command.name);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      log.warn(`second ${signal}: exiting without waiting`);
      process.exit(130);
    }
    log.info(`${signal} received, stopping`);
    controller.abort();
  };
  // A closed terminal sends SIGHUP: every command stops as on Ctrl-C (kch clickhouse detaching its
  // Kafka tables, kch up its whole stack), its output to the gone terminal dropped meanwhile.
  const onHangup = (signal: NodeJS.Signals): void => {
    ignoreOutputErrors();
    onSignal(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);
  log.debug(`running (pid ${process.pid}); Ctrl-C stops it`);
  try {
    const options = resolveOptions(command.options, rest, process.env, command.allowPositionals ?? false);
    return await command.run({ options, log, signal: controller.signal, out: (text) => process.stdout.write(text) });
  } catch (error) {
    if (isKchError(error)) {
      process.stderr.write(`kch ${command.name}: ${error.message}\n`);
      // Read directly, not as an option: it must also show the cause when resolving the options failed.
      if (process.env.KCH_DEBUG && error.cause) process.stderr.write(`${error.cause instanceof Error ? error.cause.stack ?? error.cause.message : JSON.stringify(error.cause)}\n`);
      return error.code === ErrorCodes.USAGE ? 2 : 1;
    }
    // Stopped by Ctrl-C, SIGTERM or SIGHUP while waiting: an abort, not a bug.
    if (controller.signal.aborted) {
      process.stderr.write(`kch ${command.name}: stopped\n`);
      return 130;
    }
    // Not a user mistake: a bug. Show the stack so it can be reported.
    process.stderr.write(`kch ${command.name}: unexpected error (please report it)\n${(error as Error)?.stack ?? String(error)}\n`);
    return 70;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onHangup);
  }
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(await readFile(url, 'utf8')) as { version: string }).version;
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error: unknown) => { process.stderr.write(`${String(error)}\n`); process.exitCode = 70; },
  );
}
