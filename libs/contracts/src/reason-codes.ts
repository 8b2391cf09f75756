import type { InvalidEventCode } from '@herald/domain';

/**
 * Why the consumer runner parked a message, whatever the service: its handler said the data is at
 * fault (`unprocessable`), it kept failing while PostgreSQL and Kafka answered (`handler_failed`),
 * the topic's decoder refused it (`undecodable`), or it asked for a retry where none can be made
 * (`retry_unsupported`).
 */
export type RunnerReasonCode =
  'unprocessable' | 'handler_failed' | 'undecodable' | 'retry_unsupported';

/**
 * The `herald-reason-code` of a parked message: the runner's own reasons, a delivery that spent its
 * retry schedule (`exhausted`, the deliveries DLQ), or why an event is invalid (`herald.events.invalid`).
 */
export type DeadLetterCode = RunnerReasonCode | 'exhausted' | InvalidEventCode;
