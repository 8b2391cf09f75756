import { formatDuration } from '@herald/domain';
import {
  decodeDelivery,
  decodeInvalidEvent,
  decodeRaw,
  decodeSubscriptionChange,
  type DeliveryMessage,
  type InvalidEventMessage,
  type SubscriptionChangeMessage,
} from './messages';
import type { DecodeResult } from './decode';

/** A topic with the type of its messages, how they are keyed, and how they are decoded. */
export interface TopicDefinition<T> {
  readonly name: string;
  readonly compacted: boolean;
  key(message: T): string | null;
  encode(message: T): Buffer;
  decode(raw: Buffer | null): DecodeResult<T>;
}

function jsonTopic<T>(
  name: string,
  key: (message: T) => string | null,
  decode: (raw: Buffer | null) => DecodeResult<T>,
  compacted = false,
): TopicDefinition<T> {
  return {
    name,
    compacted,
    key,
    decode,
    encode: (message) => Buffer.from(JSON.stringify(message)),
  };
}

export const Topics = {
  eventsInbound: {
    name: 'herald.events.inbound',
    compacted: false,
    key: () => null,
    encode: (message: Buffer) => message,
    decode: decodeRaw,
  } satisfies TopicDefinition<Buffer>,
  eventsInvalid: jsonTopic<InvalidEventMessage>(
    'herald.events.invalid',
    (m) => m.source.key ?? null,
    decodeInvalidEvent,
  ),
  deliveries: jsonTopic<DeliveryMessage>(
    'herald.deliveries',
    (m) => m.subscription_id,
    decodeDelivery,
  ),
  deliveriesDlq: jsonTopic<DeliveryMessage>(
    'herald.deliveries.dlq',
    (m) => m.subscription_id,
    decodeDelivery,
  ),
  subscriptionsChangelog: jsonTopic<SubscriptionChangeMessage>(
    'herald.subscriptions.changelog',
    (m) => m.subscription_id,
    decodeSubscriptionChange,
    true,
  ),
} as const;

/**
 * The consumer groups of Herald's services: every replica of a service shares its group, so each
 * message is handled by one of them.
 */
export const ConsumerGroups = {
  deliverer: 'herald.deliverer',
  eventIngest: 'herald.event-ingest',
} as const;

/** One retry topic per distinct delay of the schedule, e.g. `herald.deliveries.retry.30s`. */
export function retryTopic(delayMs: number): TopicDefinition<DeliveryMessage> {
  return jsonTopic<DeliveryMessage>(
    `herald.deliveries.retry.${formatDuration(delayMs)}`,
    (m) => m.subscription_id,
    decodeDelivery,
  );
}

export function retryTopics(schedule: readonly number[]): TopicDefinition<DeliveryMessage>[] {
  return [...new Set(schedule)].map(retryTopic);
}

/** Every topic Herald creates at start-up. */
export function allTopics(schedule: readonly number[]): TopicDefinition<unknown>[] {
  return [...Object.values(Topics), ...retryTopics(schedule)] as TopicDefinition<unknown>[];
}

/** Header names Herald sets on Kafka messages. */
export const Headers = {
  reasonCode: 'herald-reason-code',
  reason: 'herald-reason',
  notBefore: 'not-before',
  traceparent: 'traceparent',
  /** Set to `herald` on the events Herald emits itself: only those may use `herald.*` types. */
  origin: 'herald-origin',
  /** `http` on events the API queued for ingest (metrics tell the transports apart); absent otherwise. */
  transport: 'herald-transport',
} as const;

/** The value of the `herald-origin` header on Herald's own events. */
export const HERALD_ORIGIN = 'herald';
