/**
 * How this CLI and ClickHouse's Kafka tables authenticate to an external Kafka: TLS, SASL, both or
 * neither. One definition, three products: options for our clients (producer, admin), settings
 * for the Kafka-engine tables (everything but the password, which ClickHouse keeps in its server
 * configuration), and configuration arguments for the embedded ClickHouse (password included; they
 * never reach a command line).
 *
 * Settings come from the environment (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_CA_FILE), so that
 * every kch process of a stack, and every service `kch up` starts, agrees; a command that takes the
 * flags (kch verify) sets them for its process with `useKafkaSecurity`.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { options } from '../config/options.js';
import { fromEnvironment, type ResolvedOptions } from '../config/resolve.js';
import { ErrorCodes, KchError } from '../errors/kch-error.js';

export type SecurityProtocol = (typeof options.kafkaSecurityProtocol.choices)[number];
export type SaslMechanism = (typeof options.kafkaSaslMechanism.choices)[number];

export interface KafkaSecurity {
  readonly protocol: SecurityProtocol;
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
  /** PEM of the CA for TLS; undefined: the system's CAs. */
  readonly caFile?: string;
}

export const kafkaSecurityOptions = [options.kafkaSecurityProtocol, options.kafkaSaslMechanism, options.kafkaSaslUsername, options.kafkaSaslPassword, options.kafkaCaFile] as const;

export function kafkaSecurityFrom(resolved: ResolvedOptions): KafkaSecurity {
  // The specs' `choices` check both values and give them back as the types spell them.
  const protocol = (resolved.string(options.kafkaSecurityProtocol) ?? 'plaintext') as SecurityProtocol;
  const caFile = resolved.string(options.kafkaCaFile) || undefined;
  if (!protocol.startsWith('sasl')) return { protocol, ...(caFile ? { caFile } : {}) };
  const mechanism = (resolved.string(options.kafkaSaslMechanism) ?? 'PLAIN') as SaslMechanism;
  const username = resolved.string(options.kafkaSaslUsername) ?? '';
  const password = resolved.string(options.kafkaSaslPassword) ?? '';
  if (!username || !password) {
    throw new KchError(ErrorCodes.CONFIG, `KAFKA_SECURITY_PROTOCOL=${protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)`);
  }
  return { protocol, sasl: { mechanism, username, password }, ...(caFile ? { caFile } : {}) };
}

let chosen: KafkaSecurity | undefined;

/**
 * This process's Kafka security: what a command set from its flags, else the environment's as it
 * is now. Read again on each call rather than kept: a client is made seldom, and a setting
 * changed in the environment (a test, a password file rotated) is never served stale.
 */
export function kafkaSecurity(): KafkaSecurity {
  return chosen ?? kafkaSecurityFrom(fromEnvironment(kafkaSecurityOptions));
}

/** For commands that take the flags: use these settings in this process (and its children's environment). */
export function useKafkaSecurity(security: KafkaSecurity): void {
  chosen = security;
}

/** `tls` and `sasl` for @platformatic/kafka clients; empty for plaintext. */
export function clientSecurity(security: KafkaSecurity = kafkaSecurity()): { tls?: TlsOptions; sasl?: { mechanism: SaslMechanism; username: string; password: string } } {
  const out: { tls?: TlsOptions; sasl?: { mechanism: SaslMechanism; username: string; password: string } } = {};
  if (security.protocol === 'ssl' || security.protocol === 'sasl_ssl') out.tls = security.caFile ? { ca: readPem(security.caFile) } : {};
  if (security.sasl) out.sasl = { ...security.sasl };
  return out;
}

/**
 * Settings for a Kafka-engine table: protocol, mechanism and user name. The password stays out of
 * the table's definition (readable by anyone who may SHOW CREATE, and kept in the server's
 * metadata files): ClickHouse takes it from its configuration (`<kafka><sasl_password>`), which
 * the embedded server is given by `embeddedKafkaConfig`.
 */
export function kafkaTableSettings(security: KafkaSecurity = kafkaSecurity()): Record<string, string> {
  if (security.protocol === 'plaintext') return {};
  return {
    kafka_security_protocol: security.protocol,
    ...(security.sasl ? { kafka_sasl_mechanism: security.sasl.mechanism, kafka_sasl_username: security.sasl.username } : {}),
  };
}

/** ClickHouse server configuration (librdkafka's, under `kafka.`) for the embedded engine. */
export function embeddedKafkaConfig(security: KafkaSecurity = kafkaSecurity()): Record<string, string> {
  const out: Record<string, string> = {};
  if (security.sasl) out['kafka.sasl_password'] = security.sasl.password;
  if (security.caFile) out['kafka.ssl_ca_location'] = security.caFile;
  return out;
}

function readPem(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new KchError(ErrorCodes.CONFIG, `KAFKA_CA_FILE names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}
