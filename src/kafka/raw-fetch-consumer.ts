/**
 * The client library's consumer (group membership, heartbeats, commits, offsets, metadata,
 * connections) with its Fetch API swapped for one that keeps each partition's records as the
 * bytes the broker sent. The sink walks them once (records.ts `readRecords`) where the library
 * built an object per record and a message per record on top: a third of the sink's CPU.
 */
import {
  Consumer, FetchIsolationLevels, Reader, ResponseError, createAPI, fetchV13, fetchV14, fetchV15, fetchV16, fetchV17, kGetApi,
  protocolErrorsCodesById, type API, type Callback, type ConsumerOptions,
} from '@platformatic/kafka';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { OwnApi } from './own-api.js';
import type { AbortedTransaction } from './records.js';

export interface RawFetchPartition {
  readonly partition: number;
  /** 0, or a Kafka error code for this partition (`errorName` names it). */
  readonly errorCode: number;
  readonly highWatermark: bigint;
  readonly abortedTransactions: AbortedTransaction[];
  /** The record batches as sent; undefined when there are none. */
  readonly records: Buffer | undefined;
}

export interface RawFetchResponse {
  readonly topics: { readonly topicId: string; readonly partitions: RawFetchPartition[] }[];
}

/** Fetch v13 and later name topics by id; v12 (Kafka before 3.1) is not read here. */
const requests = { 13: fetchV13.createRequest, 14: fetchV14.createRequest, 15: fetchV15.createRequest, 16: fetchV16.createRequest, 17: fetchV17.createRequest } as const;

/** The name of a Kafka error code, e.g. NOT_LEADER_OR_FOLLOWER. */
export function errorName(code: number): string {
  return (protocolErrorsCodesById)[code] ?? `error ${code}`;
}

export class RawFetchConsumer extends Consumer<Buffer, Buffer, Buffer, Buffer> {
  readonly #fetchApi = new OwnApi('Fetch', (version) => {
    const createRequest = (requests as Record<number, (typeof requests)[13]>)[version];
    if (!createRequest) return new KchError(ErrorCodes.KAFKA_UNSUPPORTED, `the broker offers Fetch v${version} at most; kch sink reads v13 and later (Kafka 3.1 or newer)`);
    const request = (maxWaitMs: number, minBytes: number, maxBytes: number, _isolationLevel: number, ...rest: Parameters<typeof createRequest> extends [number, number, number, number, ...infer R] ? R : never): ReturnType<typeof createRequest> =>
      createRequest(maxWaitMs, minBytes, maxBytes, FetchIsolationLevels.READ_COMMITTED, ...rest);
    return createAPI(1, version, request, parseResponse);
  });

  constructor(options: ConsumerOptions<Buffer, Buffer, Buffer, Buffer>) {
    super(options);
  }

  /**
   * `fetch`, whose response is a RawFetchResponse: partition errors are returned, not thrown.
   * Always read_committed, as the Kafka engine reads: the broker stops at the last stable offset
   * and lists the aborted transactions, which `readRecords` skips. (The library is told
   * read_uncommitted so that it does not filter the records itself: it expects them parsed.)
   */
  async fetchRaw(options: Omit<Parameters<Consumer['fetch']>[0], 'isolationLevel'>): Promise<RawFetchResponse> {
    return await this.fetch({ ...options, isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED }) as unknown as RawFetchResponse;
  }

  override [kGetApi]<RequestArguments extends unknown[], ResponseType>(name: string, callback: Callback<API<RequestArguments, ResponseType>>): void {
    this.#fetchApi.get((n, c: Callback<API<RequestArguments, ResponseType>>) => { super[kGetApi](n, c); }, name, callback);
  }
}

/** Fetch response v13–v17: as the library reads it, but the records stay one buffer. */
function parseResponse(_correlationId: number, apiKey: number, apiVersion: number, reader: Reader): RawFetchResponse {
  reader.readInt32(); // throttle_time_ms
  const errorCode = reader.readInt16();
  reader.readInt32(); // session_id
  const response: RawFetchResponse = {
    topics: reader.readArray((topic) => ({
      topicId: topic.readUUID(),
      partitions: topic.readArray((r) => {
        const partition = r.readInt32();
        const partitionError = r.readInt16();
        const highWatermark = r.readInt64();
        r.readInt64(); // last_stable_offset
        r.readInt64(); // log_start_offset
        const abortedTransactions = r.readArray((a) => ({ producerId: a.readInt64(), firstOffset: a.readInt64() }));
        r.readInt32(); // preferred_read_replica
        // COMPACT_RECORDS: length + 1, then the batches.
        const size = r.readUnsignedVarInt() - 1;
        const records = size > 0 ? r.buffer.slice(r.position, r.position + size) : undefined;
        if (size > 0) r.skip(size);
        return { partition, errorCode: partitionError, highWatermark, abortedTransactions, records };
      }),
    })),
  };
  // A request-wide error (not a partition's) fails the fetch, as in the library.
  if (errorCode !== 0) throw new ResponseError(apiKey, apiVersion, { '': [errorCode, null] }, response);
  return response;
}
