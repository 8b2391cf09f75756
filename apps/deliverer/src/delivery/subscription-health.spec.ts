import { loadConfig } from '@herald/config';
import type { DeliveryMessage } from '@herald/contracts';
import type { TypedProducer } from '@herald/kafka';
import { failedSend, refusedSend } from '@herald/domain';
import { JsonLogger } from '@herald/observability';
import type {
  OutboxRelay,
  SubscriptionDisabler,
  SubscriptionHealthWriter,
} from '@herald/persistence';
import { SubscriptionHealth } from './subscription-health';

const message = (n: number): DeliveryMessage =>
  ({
    delivery_id: `dlv_${n}`,
    tenant_id: 'ten_1',
    subscription_id: 'sub_busy',
    event_id: `evt_${n}`,
    event_type: 'meter.read',
    attempt: 0,
  }) as DeliveryMessage;

/** A deliverer's SubscriptionHealth writing to `subscriptions` and producing with `producer`. */
function healthWith(
  subscriptions: SubscriptionHealthWriter,
  producer: TypedProducer,
): SubscriptionHealth {
  return new SubscriptionHealth(
    loadConfig({
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/herald',
      HERALD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      HERALD_LOG_LEVEL: 'error',
    }),
    subscriptions,
    {} as SubscriptionDisabler,
    producer,
    { nudge: () => undefined } as unknown as OutboxRelay,
    new JsonLogger('deliverer', 'error'),
  );
}

describe('SubscriptionHealth after successes', () => {
  it('writes one success for the successes of a subscription that finish while it is written, then none while known healthy', async () => {
    let written = 0;
    let finishWrite: (failingSince: Date | null) => void = () => undefined;
    const subscriptions = {
      noteSuccess: () => {
        written += 1;
        return new Promise<Date | null>((resolve) => (finishWrite = resolve));
      },
    } as unknown as SubscriptionHealthWriter;
    const produced: unknown[] = [];
    const producer = {
      send: (_topic: string, messages: unknown[]) => {
        produced.push(...messages);
        return Promise.resolve();
      },
    } as unknown as TypedProducer;
    const health = healthWith(subscriptions, producer);
    const ok = { ok: true, statusCode: 200, responseExcerpt: null } as const;
    const done = { kind: 'done' } as const;

    const first = health.afterAttempt(message(1), ok, done);
    // A hundred more finish while the first one's write is under way: none writes again.
    await Promise.all(
      Array.from({ length: 100 }, (_, n) => health.afterAttempt(message(n + 2), ok, done)),
    );
    expect(written).toBe(1);
    // The write finds the subscription failing since a moment ago: one recovery is told.
    finishWrite(new Date(Date.now() - 60_000));
    await first;
    expect(written).toBe(1);
    expect(produced).toHaveLength(1);
    // Known healthy now: later successes write nothing.
    await health.afterAttempt(message(200), ok, done);
    expect(written).toBe(1);
  });

  it('says without waiting what an attempt leaves unchanged: a refusal, or a success while known healthy', async () => {
    const subscriptions = {
      noteSuccess: () => Promise.resolve(null),
      noteFailure: () => Promise.resolve(null),
    } as unknown as SubscriptionHealthWriter;
    const health = healthWith(subscriptions, {} as TypedProducer);
    const ok = { ok: true, statusCode: 200, responseExcerpt: null } as const;
    const failed = failedSend('retryable', 'receiver answered 500', 500);
    const refused = refusedSend('disabled');

    expect(health.unchangedBy('sub_busy', refused)).toBe(true);
    expect(health.unchangedBy('sub_busy', ok)).toBe(false); // not known healthy yet
    await health.afterAttempt(message(1), ok, { kind: 'done' });
    expect(health.unchangedBy('sub_busy', ok)).toBe(true);
    expect(health.unchangedBy('sub_busy', failed)).toBe(false); // a failure is always noted
    await health.afterAttempt(message(2), failed, { kind: 'retry', delayMs: 5_000, attempt: 2 });
    expect(health.unchangedBy('sub_busy', ok)).toBe(false); // failing now: a success ends it
  });
});
