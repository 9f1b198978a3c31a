import type { OptionSpec } from '../config/options.js';
import type { Command } from './shared/command.js';

function flagLine(spec: OptionSpec): string {
  const value = spec.type === 'boolean' ? '' : ` <${spec.type === 'duration' ? 'duration' : spec.type === 'integer' ? 'n' : 'value'}>`;
  const left = spec.secret ? `  (env ${spec.env})` : `  --${spec.flag}${value}`;
  const facts: string[] = [];
  if (spec.env && !spec.secret) facts.push(`env ${spec.env}`);
  if (spec.default !== undefined && spec.default !== '' && !spec.secret) facts.push(`default ${spec.default}`);
  const tail = facts.length ? ` [${facts.join(', ')}]` : '';
  return `${left.padEnd(34)} ${spec.description}${tail}`;
}

export function renderHelp(command: Command): string {
  const lines = [`Usage: kch ${command.name}${command.args ? ` ${command.args}` : ''} [options]`, '', command.summary];
  if (command.details) lines.push('', command.details);
  if (command.options.length) {
    lines.push('', 'Options:');
    for (const spec of command.options) lines.push(flagLine(spec));
  }
  lines.push(`${'  --help'.padEnd(34)} Show this help.`, '');
  return lines.join('\n');
}

export function renderCommandList(commands: readonly Command[]): string {
  const lines = [
    'kch: a streaming pipeline from Apache Kafka into ClickHouse, local or remote.',
    '',
    'Usage: kch <command> [options]     kch <command> --help for its options',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
  ];
  return lines.join('\n');
}
