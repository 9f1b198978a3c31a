/**
 * For our clients that replace one of the client library's APIs with their own (the producer's
 * Produce, the sink's Fetch): the library still picks the version the broker and it agree on,
 * and gets back ours for that version, made once per version.
 */
import type { API, Callback } from '@platformatic/kafka';

type AnyApi = API<unknown[], unknown>;
type GetApi<RequestArguments extends unknown[], ResponseType> = (name: string, callback: Callback<API<RequestArguments, ResponseType>>) => void;

export class OwnApi {
  readonly #made = new Map<number, AnyApi>();

  /** `make(version)`: our API for that version, or an error saying why there is none. */
  constructor(readonly name: string, private readonly make: (version: number) => AnyApi | Error) {}

  /** What a client's `[kGetApi]` does: `library` is the library's own (`super[kGetApi]`). */
  get<RequestArguments extends unknown[], ResponseType>(library: GetApi<RequestArguments, ResponseType>, name: string, callback: Callback<API<RequestArguments, ResponseType>>): void {
    if (name !== this.name) {
      library(name, callback);
      return;
    }
    library(name, (error, chosen) => {
      if (error) {
        callback(error, undefined);
        return;
      }
      const version = chosen!.version;
      let api = this.#made.get(version);
      if (!api) {
        const made = this.make(version);
        if (made instanceof Error) {
          callback(made, undefined);
          return;
        }
        api = made;
        this.#made.set(version, api);
      }
      callback(null, api as unknown as API<RequestArguments, ResponseType>);
    });
  }
}
