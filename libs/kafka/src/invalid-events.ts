import {
  Headers,
  Topics,
  toInvalidEventMessage,
  type DeadLetterCode,
  type InvalidEventMessage,
} from '@herald/contracts';
import type { RawMessage } from './consumer-runner';
import type { TypedProducer } from './typed-producer';

/** Parks a message Herald cannot use in `herald.events.invalid`, with the reason in headers and body. */
export async function sendInvalidEvent(
  producer: TypedProducer,
  raw: RawMessage,
  code: DeadLetterCode,
  reason: string,
  field?: string,
): Promise<InvalidEventMessage> {
  const invalid = toInvalidEventMessage(
    raw.value,
    { code, message: reason, ...(field ? { field } : {}) },
    {
      transport: 'kafka',
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      key: raw.key,
    },
  );
  await producer.send(Topics.eventsInvalid, [
    { value: invalid, headers: { [Headers.reasonCode]: code, [Headers.reason]: reason } },
  ]);
  return invalid;
}
