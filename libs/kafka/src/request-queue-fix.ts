/**
 * kafkajs 2.2.4 (its last release; the project is unmaintained) checks each connection's queue of
 * pending requests on a timer that, once started, re-arms itself every millisecond for as long as
 * the connection lives, whether or not anything is pending: with nothing throttled its delay is
 * `-1 - Date.now()`, which Node turns into 1 ms (and, since Node 24, warns about:
 * TimeoutNegativeWarning). Every producer, consumer and admin connection of every service spins a
 * thousand timers a second, idle or not (kafkajs issues #1556, #1704, #1751).
 *
 * Herald replaces that one method, on the class's prototype, before any client connects: a check is
 * scheduled only when a request is pending (10 ms, or when a broker's throttle ends) or a throttle
 * is in force; with neither, nothing is to be checked, and the queue is checked again when a request
 * is pushed behind a full window (kafkajs then schedules) or an in-flight request completes (kafkajs
 * checks then). The spec pins the kafkajs version this was written against.
 */

/** The kafkajs interval for a check while requests are pending and nothing is throttled. */
const CHECK_PENDING_EVERY_MS = 10;

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

export type RequestQueueClass = new (options: Record<string, unknown>) => RequestQueueInternals;

// kafkajs ships no types for its internals; the path is part of its published package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const RequestQueue = require('kafkajs/src/network/requestQueue') as RequestQueueClass;

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  let delay: number;
  if (this.pending.length > 0)
    delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_EVERY_MS;
  else if (untilUnthrottled > 0) delay = untilUnthrottled;
  else return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

(RequestQueue.prototype as RequestQueueInternals).scheduleCheckPendingRequests =
  scheduleCheckPendingRequests;
