import type { Dispatcher } from 'undici';
import type { Abort } from '../attempt-deadlines';

/** Past the kept part, this much more is read and dropped so the connection can be reused. */
export const DRAIN_LIMIT_BYTES = 64 * 1024;

/** What an endpoint answered, as much as an attempt keeps of it. */
export interface Answer {
  statusCode: number;
  /** The `Retry-After` header, as sent. */
  retryAfter: string | undefined;
  /** The first `limit` bytes of the body, as text, never ending in a cut character. */
  excerpt: string;
}

/** Arms the attempt's deadline for a call; the function returned disarms it. */
export type Deadline = (abort: Abort) => () => void;

/**
 * One POST through undici's `dispatch`, with a handler of our own instead of `request()`'s: no
 * response stream, no async resource and no abort-signal listener per call (together about a tenth
 * of the deliverer's CPU at thousands of deliveries a second). The promise settles once the answer's
 * first `limit` bytes are in (or it ended); the rest is read and dropped in the background so the
 * connection can be reused, up to DRAIN_LIMIT_BYTES more, past which the connection is closed
 * instead. The deadline ends the call wherever it is — queued for a connection, sending, waiting
 * for the answer or draining it.
 */
export function post(
  dispatcher: Dispatcher,
  url: URL,
  headers: Record<string, string>,
  body: string,
  limit: number,
  deadline: Deadline,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const call = new PostCall(limit, resolve, reject);
    call.disarm = deadline((reason) => call.abort(reason));
    try {
      dispatcher.dispatch(
        { origin: url.origin, path: url.pathname + url.search, method: 'POST', headers, body },
        call,
      );
    } catch (error) {
      call.disarm();
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

class PostCall implements Dispatcher.DispatchHandler {
  disarm: () => void = () => undefined;
  private controller: Dispatcher.DispatchController | null = null;
  private reason: Error | null = null;
  private settled = false;
  private statusCode = 0;
  private retryAfter: string | undefined;
  private readonly chunks: Buffer[] = [];
  private received = 0;

  constructor(
    private readonly limit: number,
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  /** The deadline: before the call started it fails at once, and is aborted when it starts. */
  abort(reason: Error): void {
    if (this.controller) {
      this.controller.abort(reason);
      return;
    }
    this.reason = reason;
    this.fail(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.reason) {
      controller.abort(this.reason);
      return;
    }
    this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 100 Continue and the like: the answer is still to come
    this.statusCode = statusCode;
    const retryAfter = headers['retry-after'];
    this.retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.received += chunk.length;
    if (!this.settled) {
      this.chunks.push(chunk);
      if (this.received >= this.limit) this.succeed();
    } else if (this.received > this.limit + DRAIN_LIMIT_BYTES) {
      controller.abort(new Error('answer too long to drain; connection closed'));
    }
  }

  onResponseEnd(): void {
    this.disarm();
    this.succeed();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.disarm();
    this.fail(error);
  }

  private succeed(): void {
    if (this.settled) return;
    this.settled = true;
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks.length = 0;
    this.resolve({
      statusCode: this.statusCode,
      retryAfter: this.retryAfter,
      excerpt: truncateUtf8(body, this.limit),
    });
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}

/** A deadline from an AbortSignal (a caller's own time budget). */
export function deadlineOf(signal: AbortSignal): Deadline {
  return (abort) => {
    const onAbort = (): void => abort(signal.reason as Error);
    if (signal.aborted) {
      onAbort();
      return () => undefined;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  };
}

/** At most `limit` bytes of UTF-8, never ending in a cut character. */
export function truncateUtf8(text: string | Buffer, limit: number): string {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (bytes.length <= limit) return bytes.toString('utf8');
  let end = limit;
  // A continuation byte (10xxxxxx) at the cut means the character started before it.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
