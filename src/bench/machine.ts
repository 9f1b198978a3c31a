/** Facts about the machine and the versions measured, written next to every figure. */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { javaVersion, kcatVersion, packageVersion } from './versions.js';

export interface MachineFacts {
  readonly date: string;
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly java: string;
  readonly kafka: string;
  readonly clickhouse: string;
  readonly kcat: string;
  readonly clients: Readonly<Record<string, string>>;
  readonly loadavgAtStart: string;
}

export function machineFacts(clickhouse: string, kafka: string, loadavg: string): MachineFacts {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim(),
    node: process.version,
    java: javaVersion(),
    kafka,
    clickhouse,
    kcat: kcatVersion() ?? 'not installed',
    clients: {
      '@platformatic/kafka': packageVersion('@platformatic/kafka'),
      kafkajs: packageVersion('kafkajs'),
      chdb: packageVersion('chdb'),
    },
    loadavgAtStart: loadavg,
  };
}
