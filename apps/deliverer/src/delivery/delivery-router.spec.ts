import { Headers, type DeliveryMessage, type TopicDefinition } from '@herald/contracts';
import type { OutgoingMessage, TypedProducer } from '@herald/kafka';
import type { HeraldMetrics } from '@herald/observability';
import { DeliveryRouter, stillWaiting } from './delivery-router';
import type { DeliveryTargets } from './delivery-targets';
import type { DelivererConfig } from '../deliverer.config';

const SECOND = 1_000;
const HOUR = 3_600 * SECOND;

const message: DeliveryMessage = {
  delivery_id: 'dlv_1',
  tenant_id: 'ten_a',
  subscription_id: 'sub_a',
  event_id: 'evt_1',
  event_type: 'meter.read',
  attempt: 2,
  accepted_at: new Date(0).toISOString(),
  body: {
    id: 'evt_1',
    type: 'meter.read',
    timestamp: new Date(0).toISOString(),
    subscription_id: 'sub_a',
    delivery_id: 'dlv_1',
    data: {},
  },
};

function setUp(schedule = [5 * SECOND, HOUR]) {
  const sent: { topic: string; message: OutgoingMessage<DeliveryMessage> }[] = [];
  const producer = {
    send: (
      topic: TopicDefinition<DeliveryMessage>,
      messages: OutgoingMessage<DeliveryMessage>[],
    ) => {
      for (const one of messages) sent.push({ topic: topic.name, message: one });
      return Promise.resolve();
    },
  };
  const counter = { inc: () => undefined };
  const router = new DeliveryRouter(
    { delivery: { retrySchedule: schedule, timeoutMs: 10 * SECOND } } as DelivererConfig,
    producer as unknown as TypedProducer,
    { known: () => null } as unknown as DeliveryTargets,
    { retriesScheduled: counter, deliveries: counter } as unknown as HeraldMetrics,
  );
  return { router, sent };
}

const notBefore = (one: OutgoingMessage<DeliveryMessage>): number =>
  Number(one.headers?.[Headers.notBefore]);

describe('DeliveryRouter.later', () => {
  it('sends a wait to the shortest topic that holds it, due when it is due', async () => {
    const { router, sent } = setUp();
    const before = Date.now();

    await router.later(message, { kind: 'retry', afterMs: 5.4 * SECOND, reason: 'answered 503' });

    expect(sent).toHaveLength(1);
    expect(sent[0].topic).toBe('herald.deliveries.retry.5s');
    expect(notBefore(sent[0].message)).toBeGreaterThanOrEqual(before + 5.4 * SECOND);
    expect(notBefore(sent[0].message)).toBeLessThanOrEqual(Date.now() + 5.4 * SECOND);
    expect(sent[0].message.value).toMatchObject({ attempt: 3 });
    expect(sent[0].message.value.due_at).toBeUndefined();
  });

  it('a wait longer than the longest topic holds waits there one delay, carrying when it is due', async () => {
    const { router, sent } = setUp();
    const before = Date.now();

    // A Retry-After of two days, past the longest delay (an hour) and its jitter.
    await router.later(message, { kind: 'retry', afterMs: 48 * HOUR, reason: 'answered 429' });

    expect(sent[0].topic).toBe('herald.deliveries.retry.1h');
    // Due no later than the messages queued behind it (each due within the topic's delay and jitter).
    expect(notBefore(sent[0].message)).toBeGreaterThanOrEqual(before + HOUR);
    expect(notBefore(sent[0].message)).toBeLessThanOrEqual(Date.now() + HOUR);
    const dueAt = Date.parse(sent[0].message.value.due_at ?? '');
    expect(dueAt).toBeGreaterThanOrEqual(before + 48 * HOUR);
    expect(dueAt).toBeLessThanOrEqual(Date.now() + 48 * HOUR);
    expect(sent[0].message.value).toMatchObject({ attempt: 3 });
  });

  it('the longest delay with its jitter is still due when it says', async () => {
    const { router, sent } = setUp();

    await router.later(message, { kind: 'retry', afterMs: 1.1 * HOUR, reason: 'answered 503' });

    expect(sent[0].topic).toBe('herald.deliveries.retry.1h');
    expect(sent[0].message.value.due_at).toBeUndefined();
  });
});

describe('DeliveryRouter.waitOn', () => {
  it('goes round again, nothing counted, until the last step is due when the delivery is', async () => {
    const { router, sent } = setUp();
    const stepped = { ...message, due_at: new Date(Date.now() + 30 * HOUR).toISOString() };

    await router.waitOn(stepped, 30 * HOUR);
    expect(sent[0].topic).toBe('herald.deliveries.retry.1h');
    expect(sent[0].message.value).toMatchObject({ attempt: 2 });
    expect(sent[0].message.value.due_at).toBeDefined();

    const before = Date.now();
    await router.waitOn(stepped, 30 * SECOND);
    expect(sent[1].topic).toBe('herald.deliveries.retry.1h');
    expect(sent[1].message.value.due_at).toBeUndefined();
    expect(notBefore(sent[1].message)).toBeGreaterThanOrEqual(before + 30 * SECOND);
    expect(notBefore(sent[1].message)).toBeLessThanOrEqual(Date.now() + 30 * SECOND);
  });
});

describe('stillWaiting', () => {
  it('is what is left of a stepped wait, else 0', () => {
    const now = Date.now();
    expect(stillWaiting({}, now)).toBe(0);
    expect(stillWaiting({ due_at: new Date(now + 5_000).toISOString() }, now)).toBe(5_000);
    expect(stillWaiting({ due_at: new Date(now - 5_000).toISOString() }, now)).toBe(0);
    expect(stillWaiting({ due_at: 'not a time' }, now)).toBe(0);
  });
});
