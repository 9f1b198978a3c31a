/** Ctrl-C while a command waits for a service is a stop, said in one line: no stack trace. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliProcess } from '../../support/cli.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';

test('Ctrl-C while kch generate waits for an absent Kafka stops it with one line and exit 130', async () => {
  const generate = new CliProcess(['generate', '--count', '5'], { KAFKA_BROKERS: `127.0.0.1:${await freePort()}`, KCH_LOG_LEVEL: 'debug' });
  try {
    // Ready once it says it runs (a debug line written after its signal handlers are set).
    await pollUntil('generate to run', async () => (generate.child.exitCode !== null || /running \(pid/.test(generate.output) ? true : undefined), 20_000);
    assert.equal(generate.child.exitCode, null, generate.output);
    generate.child.kill('SIGINT');
    assert.equal(await generate.exited, 130, generate.output);
    assert.match(generate.output, /kch generate: stopped/);
    assert.doesNotMatch(generate.output, /unexpected error|\n\s+at /);
  } finally {
    await generate.stop('SIGKILL');
  }
});
