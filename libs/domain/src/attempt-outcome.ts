import type { FailureClass } from './delivery';
import { REFUSAL_MESSAGES, type Refusal } from './delivery-refusal';

/** How a destination's answer is read: delivered, or failed with a class that decides what is next. */
export type SendResult = (
  | { ok: true; statusCode: number | null; responseExcerpt: string | null }
  | {
      ok: false;
      failure: FailureClass;
      statusCode: number | null;
      message: string;
      responseExcerpt: string | null;
      /** A `Retry-After` the destination asked for. */
      retryAfterMs: number | null;
      /** `410 Gone`: the receiver asks never to be called again. */
      gone: boolean;
      /** Not sent because the subscription is deleted or disabled: says nothing of its endpoint. */
      refused?: Refusal;
    }
) & {
  /** The request body as sent, for the attempt history of a subscription with `debug` on. */
  requestBody?: string | null;
};

export type FailedSend = Extract<SendResult, { ok: false }>;

/** How much of a destination's answer is kept in the attempt history (without `debug`). */
export const RESPONSE_EXCERPT_CHARS = 4096;

/**
 * A failed send that asked for nothing special (no Retry-After, not 410); the response excerpt is
 * cut to `RESPONSE_EXCERPT_CHARS`.
 */
export function failedSend(
  failure: FailureClass,
  message: string,
  statusCode: number | null = null,
  responseExcerpt: string | null = null,
): FailedSend {
  return {
    ok: false,
    failure,
    statusCode,
    message,
    responseExcerpt: responseExcerpt?.slice(0, RESPONSE_EXCERPT_CHARS) ?? null,
    retryAfterMs: null,
    gone: false,
  };
}

/** A delivery not sent because its subscription is deleted or disabled: permanent. */
export function refusedSend(refusal: Refusal): FailedSend {
  return { ...failedSend('permanent', REFUSAL_MESSAGES[refusal]), refused: refusal };
}

/** 2xx delivers; 410 is permanent; 408, 425, 429 and 5xx are worth retrying, like every other non-2xx. */
export function classifyHttpStatus(status: number): 'success' | FailureClass {
  if (status >= 200 && status < 300) return 'success';
  if (status === 410) return 'permanent';
  return 'retryable';
}

/** Reads `Retry-After` as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
