/**
 * Holds docker-compose.yml, .env.example and the Dockerfile to src/config/options.ts and to
 * the promises of docs/docker.md: one command starts everything in order, nothing listens
 * beyond loopback, ClickHouse has a password, the image runs unprivileged without dev deps.
 *
 * The Compose file is read as docker-compose normalized it when KCH_COMPOSE_CONFIG names
 * that output (scripts/check-compose.sh writes it in CI); otherwise it is parsed here, with
 * .env.example's values filled in the way Compose does (test/support/compose-file.ts). Each
 * rule is a function returning its problems, so that every rule is also shown to fail on a
 * broken copy. docker-compose.cluster.yml has its own: compose-cluster.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { options, type OptionSpec } from '../../../src/config/options.js';
import {
  checkRestart, envExample, envExampleOf, interpolate, loadComposeFile, optionsByEnv, portOf, read,
  type Compose, type EnvExample, type Reference, type Service,
} from '../../support/compose-file.js';

// ---------------------------------------------------------------------------------------
// What the rules compare against.

/** Services of ours, with the CLI command each one runs. */
const ourServices = new Map([
  ['migrate', 'migrate'],
  ['generator', 'generate'],
  ['dashboard', 'dashboard'],
  ['sink', 'sink'],
]);
/** Services that start only with their profile: `docker compose --profile sink up`. */
const profiled = new Map([['sink', 'sink']]);
const requiredServices = [...ourServices.keys(), 'kafka', 'clickhouse'];

/**
 * Variables that the Compose file deliberately sets to something other than the option's
 * default, each for a reason that only holds inside containers.
 */
const containerOverrides = new Map([
  ['KCH_HOST', 'a container must listen on its own interface, not on loopback'],
  ['KAFKA_BROKERS', 'our containers reach Kafka at kafka:19092 on the Compose network'],
  ['KAFKA_BROKERS_FOR_CLICKHOUSE', 'so does ClickHouse (the option has no default)'],
  ['CLICKHOUSE_URL', 'our containers reach ClickHouse at http://clickhouse:8123'],
  ['CLICKHOUSE_PASSWORD', 'required in Compose: the server must have no password-less user'],
]);

/** Variables the Compose file may use that are not options of ours (none so far). */
const composeOnlyVariables = new Set<string>();

/** Which option's default port each published service must use, host and container side. */
const publishedPorts = new Map<string, OptionSpec>([
  ['kafka', options.kafkaPort],
  ['clickhouse', options.clickhousePort],
  ['dashboard', options.dashboardPort],
]);

const dockerfile = read('Dockerfile');

// Reading the file: test/support/compose-file.ts, shared with compose-cluster.test.ts.
const file = loadComposeFile('docker-compose.yml', process.env.KCH_COMPOSE_CONFIG);
const { references } = file;
const composeFromRaw = (): Compose => file.fromRaw();

// ---------------------------------------------------------------------------------------
// The rules. Each returns what is wrong, in words a reader of a failing test can act on.

function checkServices(compose: Compose): string[] {
  const problems = requiredServices.filter((name) => !compose.has(name)).map((name) => `service ${name} is missing`);
  const kafka = compose.get('kafka')?.image ?? '';
  if (compose.has('kafka') && !/^apache\/kafka:4\./.test(kafka)) problems.push(`kafka runs "${kafka}", not an apache/kafka 4.x image`);
  const clickhouse = compose.get('clickhouse')?.image ?? '';
  if (compose.has('clickhouse') && !clickhouse.startsWith('clickhouse/clickhouse-server:')) {
    problems.push(`clickhouse runs "${clickhouse}", not clickhouse/clickhouse-server with a tag`);
  }
  const images = new Set<string | undefined>();
  for (const [name, command] of ourServices) {
    const service = compose.get(name);
    if (!service) continue;
    if (!service.build) problems.push(`${name} has no build: Compose v2 would try to pull its image`);
    images.add(service.image);
    if (service.command[0] !== command) problems.push(`${name} runs "${service.command.join(' ')}", expected the ${command} command`);
  }
  if (images.size > 1) problems.push(`${[...ourServices.keys()].join(', ')} should share one image, got ${[...images].join(', ')}`);
  return problems;
}

function checkEnvironmentNames(compose: Compose): string[] {
  return [...ourServices.keys()].flatMap((name) => [...(compose.get(name)?.environment.keys() ?? [])]
    .filter((variable) => !optionsByEnv.has(variable))
    .map((variable) => `${name} sets ${variable}, which is no option in src/config/options.ts`));
}

function checkEnvironmentValues(compose: Compose): string[] {
  return [...ourServices.keys()].flatMap((name) => [...(compose.get(name)?.environment ?? [])].flatMap(([variable, value]) => {
    const spec = optionsByEnv.get(variable);
    if (!spec || containerOverrides.has(variable)) return [];
    const expected = spec.default ?? '';
    return value === expected ? [] : [`${name} gets ${variable}="${value}", but the option's default is "${expected}" (add it to containerOverrides if intended)`];
  }));
}

function checkInterpolationDefaults(refs: readonly Reference[]): string[] {
  return refs.flatMap((ref) => {
    const spec = optionsByEnv.get(ref.name);
    if (!spec) {
      return composeOnlyVariables.has(ref.name) ? [] : [`docker-compose.yml uses \${${ref.name}}, which is no option in src/config/options.ts`];
    }
    if ((ref.operator !== ':-' && ref.operator !== '-') || containerOverrides.has(ref.name)) return [];
    const expected = spec.default ?? '';
    return ref.argument === expected ? [] : [`\${${ref.name}${ref.operator}${ref.argument}} defaults to "${ref.argument}", the option to "${expected}"`];
  });
}

function checkPorts(compose: Compose): string[] {
  const problems: string[] = [];
  for (const [name, service] of compose) {
    for (const port of service.ports) {
      if (port.hostIp !== '127.0.0.1') problems.push(`${name} publishes port ${port.target} on ${port.hostIp}, not 127.0.0.1 only`);
    }
  }
  for (const [name, spec] of publishedPorts) {
    const service = compose.get(name);
    if (!service) continue;
    const expected = Number(spec.default);
    const ok = service.ports.some((port) => port.published === expected && port.target === expected);
    if (!ok) problems.push(`${name} should publish ${expected}:${expected} (the default of --${spec.flag}), publishes ${JSON.stringify(service.ports)}`);
  }
  return problems;
}

function checkHealthchecks(compose: Compose): string[] {
  return ['kafka', 'clickhouse'].filter((name) => compose.has(name) && !compose.get(name)?.healthcheck)
    .map((name) => `${name} has no healthcheck: its dependants could start before it is ready`);
}

function checkDependencies(compose: Compose): string[] {
  const required: ReadonlyArray<readonly [string, string, string]> = [
    ['migrate', 'kafka', 'service_healthy'],
    ['migrate', 'clickhouse', 'service_healthy'],
    ['generator', 'kafka', 'service_healthy'],
    ['generator', 'migrate', 'service_completed_successfully'],
    ['dashboard', 'clickhouse', 'service_healthy'],
    ['dashboard', 'migrate', 'service_completed_successfully'],
    ['sink', 'kafka', 'service_healthy'],
    ['sink', 'clickhouse', 'service_healthy'],
    ['sink', 'migrate', 'service_completed_successfully'],
  ];
  const problems = required.flatMap(([from, to, condition]) => {
    const actual = compose.get(from)?.dependsOn.get(to);
    return compose.has(from) && actual !== condition ? [`${from} should wait for ${to} with ${condition}, has ${actual ?? 'nothing'}`] : [];
  });
  // Any wait on a server or on migrate must be the strict one, or the start races.
  const strict = new Map([['kafka', 'service_healthy'], ['clickhouse', 'service_healthy'], ['migrate', 'service_completed_successfully']]);
  for (const [from, service] of compose) {
    for (const [to, condition] of service.dependsOn) {
      const expected = strict.get(to);
      if (expected && condition !== expected && !required.some(([f, t]) => f === from && t === to)) {
        problems.push(`${from} waits for ${to} with ${condition}, not ${expected}`);
      }
    }
  }
  return problems;
}

/**
 * The sink starts only when asked for (the default transport is the engine, and a sink with no
 * sink stream to move exits with an error); every other service starts with a plain `up`.
 */
function checkProfiles(compose: Compose): string[] {
  const problems: string[] = [];
  for (const [name, service] of compose) {
    const expected = profiled.get(name);
    if (expected === undefined && service.profiles.length > 0) problems.push(`${name} has the profiles ${service.profiles.join(', ')}: a plain \`docker compose up\` would not start it`);
    if (expected !== undefined && !service.profiles.includes(expected)) problems.push(`${name} should start only with the profile ${expected}, has ${service.profiles.join(', ') || 'none'}`);
  }
  return problems;
}

function checkClickhousePassword(compose: Compose, refs: readonly Reference[]): string[] {
  const clickhouse = compose.get('clickhouse');
  if (!clickhouse) return [];
  const problems: string[] = [];
  const password = clickhouse.environment.get('CLICKHOUSE_PASSWORD') ?? '';
  if (password === '') problems.push('clickhouse gets no CLICKHOUSE_PASSWORD: its user would have none');
  for (const variable of ['CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD']) {
    for (const name of ourServices.keys()) {
      const value = compose.get(name)?.environment.get(variable);
      if (compose.has(name) && value !== clickhouse.environment.get(variable)) problems.push(`${name}'s ${variable} differs from clickhouse's`);
    }
  }
  for (const ref of refs.filter((r) => r.name === 'CLICKHOUSE_PASSWORD')) {
    if (ref.operator !== ':?') problems.push(`\${CLICKHOUSE_PASSWORD${ref.operator}${ref.argument}} must be \${CLICKHOUSE_PASSWORD:?…}: required, never empty`);
  }
  return problems;
}

function checkEnvExample(refs: readonly Reference[], example: EnvExample): string[] {
  const used = new Set(refs.map((ref) => ref.name));
  const problems: string[] = [];
  for (const name of used) {
    if (!example.values.has(name)) problems.push(`.env.example lacks ${name}, which docker-compose.yml uses`);
    else if (!example.documented.has(name)) problems.push(`.env.example has no comment right above ${name}`);
  }
  for (const [name, value] of example.values) {
    if (!used.has(name)) problems.push(`.env.example lists ${name}, which docker-compose.yml does not use`);
    const spec = optionsByEnv.get(name);
    // Empty leaves the Compose file's own default, where every use has one (${NAME:-…}): a
    // value shared by docker-compose.yml and docker-compose.cluster.yml whose defaults differ.
    const uses = refs.filter((ref) => ref.name === name);
    const leavesDefault = value === '' && uses.length > 0 && uses.every((ref) => ref.operator === ':-');
    if (spec && !containerOverrides.has(name) && !leavesDefault && value !== (spec.default ?? '')) {
      problems.push(`.env.example sets ${name}=${value}, the option's default is "${spec.default ?? ''}"`);
    }
  }
  return problems;
}

function instructionsOf(text: string): Array<{ keyword: string; args: string }> {
  return text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...args] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: args.join(' ') };
    });
}

function checkDockerfile(text: string): string[] {
  const instructions = instructionsOf(text);
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  if (lastFrom < 0) return ['the Dockerfile has no FROM'];
  const final = instructions.slice(lastFrom);
  const problems: string[] = [];
  if (instructions.filter((i) => i.keyword === 'FROM').length < 2) problems.push('the Dockerfile is not multi-stage');
  if (!/^node:22[.-]/.test(final[0]?.args ?? '')) problems.push(`the final stage is based on "${final[0]?.args}", not Node 22`);
  const user = final.filter((i) => i.keyword === 'USER').at(-1)?.args.split(':')[0];
  if (user === undefined) problems.push('the final stage has no USER: it would run as root');
  else if (user === 'root' || user === '0') problems.push(`the final stage runs as ${user}`);
  const installs = final.filter((i) => i.keyword === 'RUN' && /\bnpm\s+(ci|install|i)\b/.test(i.args));
  if (installs.length === 0) problems.push('the final stage installs no production dependencies');
  for (const install of installs) {
    if (!/--omit=dev\b/.test(install.args)) problems.push(`the final stage installs dev dependencies: ${install.args}`);
    if (!/--omit=optional\b/.test(install.args)) problems.push(`the final stage installs optional dependencies (chdb): ${install.args}`);
  }
  for (const copy of final.filter((i) => i.keyword === 'COPY' && /--from=/.test(i.args) && /node_modules/.test(i.args))) {
    problems.push(`the final stage copies node_modules from another stage, dev dependencies included: ${copy.args}`);
  }
  const entrypoint = final.filter((i) => i.keyword === 'ENTRYPOINT').at(-1)?.args;
  let parsedEntrypoint: unknown;
  try { parsedEntrypoint = entrypoint === undefined ? undefined : JSON.parse(entrypoint); } catch { parsedEntrypoint = entrypoint; }
  if (JSON.stringify(parsedEntrypoint) !== JSON.stringify(['node', 'dist/cli/main.js'])) {
    problems.push(`the entrypoint is ${entrypoint ?? 'missing'}, expected ["node", "dist/cli/main.js"]`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// The real files.

const { compose, source } = file;

test(`the Compose file (${source}) has every service the pipeline runs, ours built from one image`, () => {
  assert.deepEqual(checkServices(compose), []);
});

test('every variable our services get is an option of src/config/options.ts', () => {
  assert.deepEqual(checkEnvironmentNames(compose), []);
});

test('our services get the options\' defaults except for the listed container overrides', () => {
  assert.deepEqual(checkEnvironmentValues(compose), []);
});

test('defaults written in docker-compose.yml (${VAR:-default}) equal the options\' defaults', () => {
  assert.ok(references.length > 0, 'docker-compose.yml references no variable at all');
  assert.deepEqual(checkInterpolationDefaults(references), []);
});

test('published ports are the options\' default ports and bind 127.0.0.1 only', () => {
  assert.deepEqual(checkPorts(compose), []);
});

test('kafka and clickhouse have healthchecks', () => {
  assert.deepEqual(checkHealthchecks(compose), []);
});

test('migrate waits for healthy servers, and generator, dashboard and sink wait for migrate to succeed', () => {
  assert.deepEqual(checkDependencies(compose), []);
});

test('the sink starts only with its profile (--profile sink), every other service with a plain up', () => {
  assert.deepEqual(checkProfiles(compose), []);
  assertProblem(checkProfiles(broken((c) => { service(c, 'sink').profiles = []; })), /sink should start only with the profile sink/);
  assertProblem(checkProfiles(broken((c) => { service(c, 'dashboard').profiles = ['ui']; })), /dashboard has the profiles ui/);
});

test('every service but the one-shot migrate has a restart policy', () => {
  assert.deepEqual(checkRestart(compose), []);
});

test('ClickHouse gets a required password, and our services the same user and password', () => {
  assert.deepEqual(checkClickhousePassword(compose, references), []);
});

test('.env.example documents every variable docker-compose.yml uses, with the options\' defaults', () => {
  assert.deepEqual(checkEnvExample(references, envExample), []);
});

test('the Dockerfile\'s final stage runs the CLI as a non-root user without dev dependencies', () => {
  assert.deepEqual(checkDockerfile(dockerfile), []);
});

test('this test reads docker-compose.yml the way docker-compose normalized it', { skip: process.env.KCH_COMPOSE_CONFIG ? false : 'KCH_COMPOSE_CONFIG is not set' }, () => {
  // Keeps the test's own reader (used when no normalized config is given) honest.
  assert.deepEqual(composeFromRaw(), compose);
});

// ---------------------------------------------------------------------------------------
// Each rule fails on a copy broken in the way it guards against.

function broken(change: (copy: Compose) => void): Compose {
  const copy = structuredClone(compose);
  change(copy);
  return copy;
}

function service(copy: Compose, name: string): Service {
  const found = copy.get(name);
  assert.ok(found, `${name} is missing from the Compose file`);
  return found;
}

function assertProblem(problems: readonly string[], pattern: RegExp): void {
  assert.ok(problems.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got ${JSON.stringify(problems)}`);
}

test('the rules catch a missing service, a non-Kafka image, a service without build and a wrong command', () => {
  assertProblem(checkServices(broken((c) => c.delete('dashboard'))), /service dashboard is missing/);
  assertProblem(checkServices(broken((c) => { service(c, 'kafka').image = 'bitnami/kafka:3.9'; })), /apache\/kafka 4\.x/);
  assertProblem(checkServices(broken((c) => { service(c, 'generator').build = false; })), /generator has no build/);
  assertProblem(checkServices(broken((c) => { service(c, 'migrate').command = ['up']; })), /expected the migrate command/);
  assertProblem(checkServices(broken((c) => { service(c, 'dashboard').image = 'other:1'; })), /share one image/);
});

test('the rules catch an unknown variable and a value that drifted from the option\'s default', () => {
  assertProblem(checkEnvironmentNames(broken((c) => { service(c, 'generator').environment.set('GENERATOR_SPEED', '5'); })), /GENERATOR_SPEED, which is no option/);
  assertProblem(checkEnvironmentValues(broken((c) => { service(c, 'generator').environment.set('GENERATOR_RATE', 'max'); })), /GENERATOR_RATE="max"/);
  assert.deepEqual(checkEnvironmentValues(broken((c) => { service(c, 'migrate').environment.set('KAFKA_BROKERS', 'elsewhere:9092'); })), [],
    'a listed container override may differ from the default');
});

test('the rules catch a drifted ${VAR:-default}, an unknown variable, and a missing or undocumented .env.example entry', () => {
  assertProblem(checkInterpolationDefaults([{ name: 'DASHBOARD_PORT', operator: ':-', argument: '8080' }]), /defaults to "8080", the option to "3000"/);
  assertProblem(checkInterpolationDefaults([{ name: 'GENERATOR_RAET', operator: ':-', argument: 'seed' }]), /GENERATOR_RAET.*no option/);
  const extra: Reference = { name: 'GENERATOR_SEED', operator: '', argument: '' };
  assertProblem(checkEnvExample([...references, extra], envExample), /lacks GENERATOR_SEED/);
  const undocumented = envExampleOf('GENERATOR_RATE=seed\n');
  assertProblem(checkEnvExample([{ name: 'GENERATOR_RATE', operator: ':-', argument: 'seed' }], undocumented), /no comment right above GENERATOR_RATE/);
  assertProblem(checkEnvExample([], envExampleOf('# unused\nKAFKA_HEAP=384m\n')), /KAFKA_HEAP, which docker-compose.yml does not use/);
  assertProblem(checkEnvExample([{ name: 'KAFKA_HEAP', operator: ':-', argument: '384m' }], envExampleOf('# heap\nKAFKA_HEAP=2g\n')), /KAFKA_HEAP=2g/);
  assert.deepEqual(checkEnvExample([{ name: 'KAFKA_HEAP', operator: ':-', argument: '384m' }], envExampleOf('# heap\nKAFKA_HEAP=\n')), [],
    'an empty value leaves ${KAFKA_HEAP:-384m} its default');
  assertProblem(checkEnvExample([{ name: 'KAFKA_HEAP', operator: '-', argument: '384m' }], envExampleOf('# heap\nKAFKA_HEAP=\n')), /KAFKA_HEAP=,/);
});

test('the rules catch a port open beyond loopback and a port that is not the option\'s default', () => {
  assertProblem(checkPorts(broken((c) => { service(c, 'clickhouse').ports = [{ hostIp: '0.0.0.0', published: 8123, target: 8123 }]; })), /not 127\.0\.0\.1 only/);
  assertProblem(checkPorts(broken((c) => { service(c, 'dashboard').ports = [{ hostIp: '127.0.0.1', published: 8080, target: 3000 }]; })), /dashboard should publish 3000:3000/);
  assertProblem(checkPorts(broken((c) => { service(c, 'kafka').ports = []; })), /kafka should publish 9092:9092/);
});

test('the rules catch a missing healthcheck, a racy dependency and wrong restart policies', () => {
  assertProblem(checkHealthchecks(broken((c) => { service(c, 'kafka').healthcheck = undefined; })), /kafka has no healthcheck/);
  assertProblem(checkHealthchecks(broken((c) => { service(c, 'clickhouse').healthcheck = undefined; })), /clickhouse has no healthcheck/);
  assertProblem(checkDependencies(broken((c) => { service(c, 'migrate').dependsOn.set('kafka', 'service_started'); })), /migrate should wait for kafka with service_healthy/);
  assertProblem(checkDependencies(broken((c) => { service(c, 'generator').dependsOn.delete('migrate'); })), /generator should wait for migrate/);
  assertProblem(checkDependencies(broken((c) => { service(c, 'dashboard').dependsOn.set('migrate', 'service_started'); })), /dashboard should wait for migrate with service_completed_successfully/);
  assertProblem(checkDependencies(broken((c) => { service(c, 'sink').dependsOn.delete('migrate'); })), /sink should wait for migrate/);
  assertProblem(checkDependencies(broken((c) => { service(c, 'dashboard').dependsOn.set('kafka', 'service_started'); })), /dashboard waits for kafka with service_started/);
  assertProblem(checkRestart(broken((c) => { service(c, 'generator').restart = undefined; })), /generator has no restart policy/);
  assertProblem(checkRestart(broken((c) => { service(c, 'clickhouse').restart = 'no'; })), /clickhouse has no restart policy/);
  assertProblem(checkRestart(broken((c) => { service(c, 'migrate').restart = 'unless-stopped'; })), /migrate is one-shot/);
});

test('the rules catch ClickHouse without a password, a password with a default, and mismatched credentials', () => {
  assertProblem(checkClickhousePassword(broken((c) => { service(c, 'clickhouse').environment.set('CLICKHOUSE_PASSWORD', ''); }), references), /no CLICKHOUSE_PASSWORD/);
  assertProblem(checkClickhousePassword(compose, [{ name: 'CLICKHOUSE_PASSWORD', operator: ':-', argument: '' }]), /must be \$\{CLICKHOUSE_PASSWORD:\?/);
  assertProblem(checkClickhousePassword(broken((c) => { service(c, 'migrate').environment.set('CLICKHOUSE_USER', 'other'); }), references), /migrate's CLICKHOUSE_USER differs/);
});

test('the rules catch a Dockerfile that runs as root, ships dev or optional dependencies, or has another entrypoint', () => {
  assertProblem(checkDockerfile(dockerfile.replace(/^USER .*$/m, 'USER root')), /runs as root/);
  assertProblem(checkDockerfile(dockerfile.replace(/^USER .*$/m, '')), /has no USER/);
  assertProblem(checkDockerfile(dockerfile.replaceAll('--omit=dev', '')), /installs dev dependencies/);
  assertProblem(checkDockerfile(dockerfile.replaceAll('--omit=optional', '')), /installs optional dependencies/);
  assertProblem(checkDockerfile(`${dockerfile}\nCOPY --from=build /app/node_modules ./node_modules\n`), /copies node_modules/);
  assertProblem(checkDockerfile(`${dockerfile}\nENTRYPOINT ["npm", "start"]\n`), /the entrypoint is/);
  assertProblem(checkDockerfile(dockerfile.replace(/FROM node:22-bookworm-slim AS runtime/, 'FROM node:18 AS runtime')), /not Node 22/);
});

test('the test\'s own interpolation follows Compose for defaults, required values and $$', () => {
  const vars = new Map([['SET', 'x'], ['EMPTY', '']]);
  assert.equal(interpolate('${SET:-d} ${EMPTY:-d} ${UNSET:-d} ${EMPTY-d} ${UNSET-d} $SET $$SET', vars), 'x d d  d x $SET');
  assert.throws(() => interpolate('${EMPTY:?needed}', vars), /needed/);
  assert.equal(interpolate('${EMPTY?needed}', vars), '');
  assert.deepEqual(portOf('127.0.0.1:8123:8123/tcp'), { hostIp: '127.0.0.1', published: 8123, target: 8123 });
  assert.deepEqual(portOf('8080:3000'), { hostIp: '0.0.0.0', published: 8080, target: 3000 });
  assert.deepEqual(portOf({ host_ip: '127.0.0.1', published: '3000', target: 3000 }), { hostIp: '127.0.0.1', published: 3000, target: 3000 });
});
