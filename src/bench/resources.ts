/**
 * Measurement 4: memory and CPU of each service and of the whole stack, from the samples taken
 * every second through the run (see procfs.ts). Steady = the median during the sustained run
 * (generator at full speed, consumers busy, the dashboard serving an open page), else the idle
 * moment after start; peak = the
 * highest sample of the whole run and the processes' own VmHWM.
 */
import { windowUsage, type Sample } from './procfs.js';

export interface ServiceResources {
  readonly service: string;
  readonly steadyRssBytes: number | undefined;
  readonly peakRssBytes: number | undefined;
  readonly hwmBytes: number | undefined;
  readonly idleRssBytes: number | undefined;
}

export interface ResourcesResult {
  /** The phase the steady figures are from. */
  readonly steadyPhase: string;
  readonly services: readonly ServiceResources[];
  readonly stack: {
    readonly steadyRssBytes: number | undefined;
    readonly peakRssBytes: number | undefined;
    readonly hwmBytes: number | undefined;
    readonly idleRssBytes: number | undefined;
  };
}

/** The stack's long-running services, as the sampler names their process groups. */
export const SERVICES = ['kafka', 'clickhouse', 'generator', 'dashboard'] as const;

/** Sum of the services' RSS in each sample that saw the given ones. */
function stackSeries(samples: readonly Sample[], from: number, to: number): number[] {
  return samples.filter((s) => s.t >= from && s.t <= to)
    .map((s) => SERVICES.reduce((sum, g) => sum + (s.usage[g]?.rssBytes ?? 0), 0))
    .filter((v) => v > 0);
}

export function resourcesFrom(samples: readonly Sample[], phases: Readonly<Record<string, readonly [number, number]>>, _results?: unknown): ResourcesResult {
  const steadyPhase = phases.sustained ? 'sustained' : phases.ingest ? 'ingest' : 'idle';
  const [sFrom, sTo] = phases[steadyPhase] ?? [0, Number.POSITIVE_INFINITY];
  const [iFrom, iTo] = phases.idle ?? [0, 0];
  const end = Number.POSITIVE_INFINITY;
  const services = SERVICES.map((service) => {
    const steady = windowUsage(samples, service, sFrom, sTo);
    const whole = windowUsage(samples, service, 0, end);
    const idle = windowUsage(samples, service, iFrom, iTo);
    return {
      service,
      steadyRssBytes: steady?.steadyRssBytes,
      peakRssBytes: whole?.peakRssBytes,
      hwmBytes: whole?.hwmBytes,
      idleRssBytes: idle?.steadyRssBytes,
    };
  }).filter((s) => s.peakRssBytes !== undefined);
  const steadySeries = stackSeries(samples, sFrom, sTo).sort((a, b) => a - b);
  const all = stackSeries(samples, 0, end);
  const idle = stackSeries(samples, iFrom, iTo);
  return {
    steadyPhase,
    services,
    stack: {
      steadyRssBytes: steadySeries.length ? steadySeries[Math.floor((steadySeries.length - 1) / 2)] : undefined,
      peakRssBytes: all.length ? Math.max(...all) : undefined,
      hwmBytes: services.reduce((a, s) => a + (s.hwmBytes ?? 0), 0) || undefined,
      idleRssBytes: idle.length ? idle[0] : undefined,
    },
  };
}
