import type { DeliveredBody, DestinationOf, DestinationType, SendResult } from '@herald/domain';

/** What every sender is asked to send: one attempt of one delivery. */
export interface SendRequest<D> {
  /** The subscription's destination, its secret settings opened. */
  destination: D;
  /** The delivery's standard body: its ids and event type, for subjects, headers and attributes. */
  body: DeliveredBody;
  /** The exact bytes sent (and signed): the standard body, or what a transformation gave. */
  payload: string;
  /** The same on every attempt of the delivery (`webhook-id`). */
  messageId: string;
  /** Every signing secret currently valid (two during a rotation). */
  signingSecrets: readonly string[];
  now?: Date;
  /** The subscription's `debug`: keep the whole answer and the request body. */
  debug?: boolean;
  /**
   * The attempt's time budget, for a sender that makes several calls in one attempt; without it a
   * sender allows its call HERALD_DELIVERY_TIMEOUT_MS.
   */
  signal?: AbortSignal;
}

/** Sends to one kind of destination; every failure comes back classified in the result, never thrown. */
export interface DestinationSender<T extends DestinationType> {
  readonly type: T;
  send(request: SendRequest<DestinationOf<T>>): Promise<SendResult>;
}
