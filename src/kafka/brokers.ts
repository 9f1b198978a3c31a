import { ErrorCodes, KchError } from '../errors/kch-error.js';

/** One bootstrap address. */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses a bootstrap list such as `127.0.0.1:9092,kafka:19092` or `[::1]:9092`. We parse it
 * ourselves rather than hand strings to the client so that a typo is a one-line usage error
 * naming the bad entry, not a connection failure later; IPv6 needs brackets, as in a URL.
 */
export function parseBrokers(list: string): BrokerAddress[] {
  const entries = list.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new KchError(ErrorCodes.USAGE, '--kafka-brokers is empty: give host:port, e.g. 127.0.0.1:9092');
  }
  return entries.map(parseOne);
}

function parseOne(entry: string): BrokerAddress {
  // A scheme is a common slip (copied from a listener line); the client would not accept it.
  const withoutScheme = entry.replace(/^[a-z_]+:\/\//i, '');
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(withoutScheme);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65_535) {
    throw new KchError(ErrorCodes.USAGE, `bad Kafka broker address ${JSON.stringify(entry)}: expected host:port, e.g. 127.0.0.1:9092 or [::1]:9092`);
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatBroker(address: BrokerAddress): string {
  return `${formatHost(address.host)}:${address.port}`;
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** For messages: the list as the user would write it. */
export function describeBrokers(addresses: readonly BrokerAddress[]): string {
  return addresses.map(formatBroker).join(',');
}
