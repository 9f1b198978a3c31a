/**
 * Watches the embedded engine's Kafka consumers and says in the service's log when a Kafka table
 * cannot write what it reads (a full disk, a data folder that became read-only) and when it
 * writes again. See ../kafka-consumers.ts.
 */
import { messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';
import { ConsumerWatch, KAFKA_CONSUMERS_QUERY, describeConsumerEvent, type ConsumerRow } from '../kafka-consumers.js';
import type { Engine } from './session.js';

export interface KafkaWatch {
  stop(): Promise<void>;
}

export function startKafkaWatch(engine: Engine, log: Logger, dataDir: string, intervalMs = 3_000): KafkaWatch {
  const watch = new ConsumerWatch();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let broken = false;

  const tick = async (): Promise<void> => {
    let lease;
    try {
      lease = await engine.lease('readonly');
      const result = await lease.session.queryAsync(KAFKA_CONSUMERS_QUERY, { format: 'JSONEachRow' });
      const rows = result.text().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as ConsumerRow);
      for (const event of watch.update(rows, Date.now())) {
        const line = describeConsumerEvent(event, dataDir);
        if (event.kind === 'resumed') log.info(line);
        else log.error(line);
      }
      broken = false;
    } catch (error) {
      if (!broken && !stopped) log.debug(`cannot read system.kafka_consumers: ${messageOf(error)}`);
      broken = true;
    } finally {
      lease?.release();
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
