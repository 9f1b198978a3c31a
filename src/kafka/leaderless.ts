/**
 * A request for a partition whose leader is being elected must fail and be retried, never crash
 * the process.
 *
 * The client library's 1.x line (the one that runs on Node 20) looks a partition's leader up in
 * its metadata and hands the broker it finds to its connection pool without checking that there
 * is one. While a leader is being elected the metadata says -1, the lookup gives `undefined`, and
 * the pool throws a TypeError inside a socket callback, which no caller can catch: a CI run lost
 * `kch verify` this way when the broker leading a partition was killed. The 2.x line (Node 22+)
 * refuses such a request with a retriable error instead; this gives 1.x the same behaviour, so the
 * retries of our producer, sink and admin calls (which ask for fresh metadata) apply.
 */
import { ConnectionPool, ProtocolError, type Broker, type Connection } from '@platformatic/kafka';

type Get = (this: ConnectionPool, broker: Broker | undefined, callback?: (error: Error | null, connection?: Connection) => void) => Promise<Connection> | undefined;

let installed = false;

/** Installs the refusal once for every client in the process; later calls do nothing. */
export function refuseLeaderlessRequests(): void {
  if (installed) return;
  installed = true;
  const prototype = ConnectionPool.prototype as unknown as { get: Get };
  const get = prototype.get;
  prototype.get = function guardedGet(broker, callback) {
    if (broker && typeof broker.host === 'string') return get.call(this, broker, callback);
    // Retriable and marked as stale metadata: the library's retry, and ours, look the leader up again.
    const error = new ProtocolError('LEADER_NOT_AVAILABLE', 'the cluster metadata names no live broker for this request yet (a leader or controller being elected)');
    if (!callback) return Promise.reject(error);
    callback(error);
    return undefined;
  };
}
