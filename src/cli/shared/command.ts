import type { OptionSpec } from '../../config/options.js';
import type { ResolvedOptions } from '../../config/resolve.js';
import type { Logger } from '../../output/log.js';

export interface CommandContext {
  readonly options: ResolvedOptions;
  readonly log: Logger;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly when it fires. */
  readonly signal: AbortSignal;
  /** Where results for the user go (tables, JSON); logs go to stderr. */
  readonly out: (text: string) => void;
}

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Positional arguments, as shown in usage: `<SQL>`. */
  readonly args?: string;
  /** More lines for `--help`. */
  readonly details?: string;
  readonly options: readonly OptionSpec[];
  readonly allowPositionals?: boolean;
  /** Resolves to the process exit code. */
  run(context: CommandContext): Promise<number>;
}

export function defineCommand(command: Command): Command {
  return command;
}
