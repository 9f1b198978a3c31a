/**
 * A small typed client for the Kafka Connect REST API: create or update a connector's config, its
 * status, the list, delete, and a wait for a connector and its tasks to run. Errors are
 * CONNECT_REQUEST with Connect's own message; an unreachable worker is retriable.
 */
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';
import { PollAbort, pollUntil } from '../time/poll.js';

/** A connector's or task's state as Connect reports it. */
export type ConnectorState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED';

export interface TaskStatus {
  readonly id: number;
  readonly state: ConnectorState;
  readonly worker_id: string;
  /** The Java stack of a FAILED task. */
  readonly trace?: string;
}

export interface ConnectorStatus {
  readonly name: string;
  readonly connector: { readonly state: ConnectorState; readonly worker_id: string; readonly trace?: string };
  readonly tasks: readonly TaskStatus[];
  readonly type?: 'source' | 'sink';
}

/** `GET /`: what the worker runs. */
export interface WorkerInfo {
  readonly version: string;
  readonly commit: string;
  readonly kafka_cluster_id: string;
}

/** Every value of a connector's config is a string on the wire. */
export type ConnectorConfig = Readonly<Record<string, string>>;

export interface ConnectClientOptions {
  /** One request's limit. @default 10_000 */
  readonly requestTimeoutMs?: number;
  /**
   * How long a write keeps being retried while the worker answers 409 (a rebalance under way, or a
   * worker that has not joined its group yet). @default 30_000
   */
  readonly conflictTimeoutMs?: number;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export class ConnectClient {
  readonly url: string;
  private readonly requestTimeoutMs: number;
  private readonly conflictTimeoutMs: number;

  /** `url`: the worker's REST listener, e.g. `http://127.0.0.1:8083`. */
  constructor(url: string, options: ConnectClientOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.conflictTimeoutMs = options.conflictTimeoutMs ?? 30_000;
  }

  async info(): Promise<WorkerInfo> {
    return (await this.expect('GET', '/', [200])).body as WorkerInfo;
  }

  /** Whether the worker has started its herder and can take requests (`GET /health`, Kafka 3.9 and later). */
  async healthy(): Promise<boolean> {
    return (await this.send('GET', '/health')).status === 200;
  }

  /** The names of the connectors, sorted. */
  async list(): Promise<string[]> {
    return ((await this.expect('GET', '/connectors', [200])).body as string[]).sort();
  }

  /** Creates the connector, or replaces its config when it exists. Resolves to whether it was created. */
  async putConfig(name: string, config: ConnectorConfig): Promise<{ readonly created: boolean }> {
    const answer = await this.expect('PUT', `/connectors/${encodeURIComponent(name)}/config`, [200, 201], config);
    return { created: answer.status === 201 };
  }

  /** Its config as stored (with its `name`); undefined when there is no such connector. */
  async config(name: string): Promise<Record<string, string> | undefined> {
    const answer = await this.expect('GET', `/connectors/${encodeURIComponent(name)}/config`, [200, 404]);
    return answer.status === 404 ? undefined : answer.body as Record<string, string>;
  }

  /** Its status; undefined when there is no such connector. */
  async status(name: string): Promise<ConnectorStatus | undefined> {
    const answer = await this.expect('GET', `/connectors/${encodeURIComponent(name)}/status`, [200, 404]);
    return answer.status === 404 ? undefined : answer.body as ConnectorStatus;
  }

  /** Deletes it; resolves to false when there was none. */
  async delete(name: string): Promise<boolean> {
    return (await this.expect('DELETE', `/connectors/${encodeURIComponent(name)}`, [204, 404])).status === 204;
  }

  /**
   * Polls until the connector and every one of its tasks (at least one) are RUNNING. A FAILED
   * connector or task ends the wait at once with the first line of its trace.
   */
  async waitForRunning(name: string, options: { readonly timeoutMs?: number } = {}): Promise<ConnectorStatus> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    let last: ConnectorStatus | undefined;
    try {
      return await pollUntil(`connector ${name} to run`, async () => {
        const status = await this.status(name);
        last = status;
        if (!status) return undefined;
        const failed = [status.connector, ...status.tasks].find((s) => s.state === 'FAILED');
        if (failed) {
          const which = 'id' in failed ? `its task ${String(failed.id)}` : 'the connector';
          throw new PollAbort(`connector ${name} failed (${which}): ${firstLine(failed.trace)}`);
        }
        const running = status.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((t) => t.state === 'RUNNING');
        return running ? status : undefined;
      }, timeoutMs, 250);
    } catch (error) {
      if (error instanceof PollAbort) throw new KchError(ErrorCodes.CONNECT_REQUEST, error.message, { cause: error });
      const seen = last ? `connector ${last.connector.state}, tasks ${last.tasks.map((t) => t.state).join(', ') || 'none yet'}` : 'no such connector';
      throw new KchError(ErrorCodes.TIMEOUT, `connector ${name} did not run within ${timeoutMs / 1000} s (last seen: ${seen})`, { cause: error });
    }
  }

  /** A request whose status must be one of `ok`; 409 (a rebalance) is retried until conflictTimeoutMs. */
  private async expect(method: string, path: string, ok: readonly number[], body?: unknown): Promise<Answer> {
    let failure: unknown;
    let conflict: Answer | undefined;
    try {
      return await pollUntil(`Kafka Connect to take ${method} ${path}`, async () => {
        const answer = await this.send(method, path, body).catch((error: unknown) => {
          failure = error;
          throw new PollAbort(messageOf(error));
        });
        if (ok.includes(answer.status)) return answer;
        if (answer.status === 409) {
          conflict = answer;
          return undefined;
        }
        failure = this.refusal(method, path, answer);
        throw new PollAbort(messageOf(failure));
      }, this.conflictTimeoutMs, 250);
    } catch (error) {
      throw failure ?? (conflict ? this.refusal(method, path, conflict) : error);
    }
  }

  private refusal(method: string, path: string, answer: Answer): KchError {
    return new KchError(ErrorCodes.CONNECT_REQUEST, `Kafka Connect at ${this.url} answered ${method} ${path} with ${answer.status}: ${messageIn(answer.body)}`, {
      retriable: answer.status === 409 || answer.status >= 500,
      details: { status: answer.status },
    });
  }

  private async send(method: string, path: string, body?: unknown): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
      throw new KchError(ErrorCodes.CONNECT_REQUEST, `cannot reach Kafka Connect at ${this.url} (${(cause as NodeJS.ErrnoException).code ?? messageOf(cause)})`, { cause: error, retriable: true });
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Jetty's own error pages are HTML: kept as text for the message.
    }
    return { status: response.status, body: parsed };
  }
}

/** Connect's errors are `{"error_code": 409, "message": "…"}`. */
function messageIn(body: unknown): string {
  if (body !== null && typeof body === 'object' && 'message' in body) return String(body.message);
  return typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body) ?? '(no body)';
}

function firstLine(text: string | undefined): string {
  return text?.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'no trace';
}
