/**
 * Line-oriented logging shared by every service: `2026-01-01T00:00:00.000Z kafka  info  message`.
 * Services run as child processes of `kch up`, which prefixes nothing and passes lines through,
 * so each line must carry its own service name.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  child(service: string): Logger;
}

function threshold(): number {
  // Read here, not through config/ (a layer above): loggers exist before any options are resolved.
  const level = (process.env.KCH_LOG_LEVEL ?? 'info') as LogLevel;
  return order[level] ?? order.info;
}

export function createLogger(service: string, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const min = threshold();
  const emit = (level: LogLevel, message: string): void => {
    if (order[level] < min) return;
    write(`${new Date().toISOString()} ${service.padEnd(10)} ${level.padEnd(5)} ${message}\n`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    child: (name) => createLogger(name, write),
  };
}
