import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ErrorCodes } from '../../../src/errors/kch-error.js';
import { packageFile, pomProperty } from '../../../src/host/maven-jars.js';

test('the package\'s connect/pom.xml pins Connect 4.3.0 (the Kafka Debezium 3.6.1 is built against) and Debezium 3.6.1', async () => {
  const pom = await readFile(packageFile('connect/pom.xml', ErrorCodes.CONNECT_FETCH), 'utf8');
  assert.equal(pomProperty(pom, 'connect.version'), '4.3.0');
  assert.equal(pomProperty(pom, 'debezium.version'), '3.6.1.Final');
  assert.match(pom, /<artifactId>log4j-slf4j-impl<\/artifactId>/, 'the SLF4J 1.x binding: with the 2.x one Connect logs nothing');
});
