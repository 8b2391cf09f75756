import type { DeliveryMessage } from '@herald/contracts';
import {
  DEFAULT_MAX_IN_FLIGHT,
  type FailedSend,
  type NextStep,
  type Subscription,
} from '@herald/domain';
import type { LaterOutcome } from '@herald/kafka';
import type { HeraldMetrics } from '@herald/observability';
import type { DeliveryTarget, ParkedDelivery, StrictOrderRepository } from '@herald/persistence';
import { DeliveryFlow } from './delivery-flow';
import type { DeliveryRouter } from './delivery-router';
import type { DeliveryService } from './delivery.service';
import type { DeliveryTargets } from './delivery-targets';
import type { DelivererConfig } from '../deliverer.config';

const TENANT = 'ten_a';
const SUBSCRIPTION = 'sub_a';

const message = (id: string, attempt = 0): DeliveryMessage => ({
  delivery_id: id,
  tenant_id: TENANT,
  subscription_id: SUBSCRIPTION,
  event_id: `evt_${id}`,
  event_type: 'meter.read',
  attempt,
  accepted_at: new Date(0).toISOString(),
  body: {
    id: `evt_${id}`,
    type: 'meter.read',
    timestamp: new Date(0).toISOString(),
    subscription_id: SUBSCRIPTION,
    delivery_id: id,
    data: {},
  },
});

const target = (overrides: Partial<DeliveryTarget> = {}): DeliveryTarget => ({
  ordering: 'strict',
  rateLimitPerSecond: null,
  maxInFlight: null,
  destinationType: 'webhook',
  fifo: false,
  held: false,
  enabled: true,
  status: 'active',
  deleted: false,
  opened: {
    subscription: {} as Subscription,
    signingSecrets: ['secret'],
  },
  ...overrides,
});

/** `StrictOrderRepository` in memory: one hold and the deliveries parked behind it, per subscription. */
class FakeStrictOrder {
  readonly holds = new Map<string, string>();
  readonly parked: ParkedDelivery<DeliveryMessage>[] = [];
  private seq = 0;

  blockerOf(_tenant: string, subscription: string): Promise<string | null> {
    return Promise.resolve(this.holds.get(subscription) ?? null);
  }

  parkIfHeld(
    _tenant: string,
    subscription: string,
    deliveryId: string,
    parked: DeliveryMessage,
  ): Promise<boolean> {
    const blocker = this.holds.get(subscription);
    if (blocker === undefined || blocker === deliveryId) return Promise.resolve(false);
    this.park(parked);
    return Promise.resolve(true);
  }

  park(parked: DeliveryMessage): void {
    this.parked.push({ seq: String(++this.seq), deliveryId: parked.delivery_id, message: parked });
  }

  hold(_tenant: string, subscription: string, deliveryId: string): Promise<void> {
    this.holds.set(subscription, deliveryId);
    return Promise.resolve();
  }

  firstParked(): Promise<ParkedDelivery<DeliveryMessage> | null> {
    return Promise.resolve(this.parked[0] ?? null);
  }

  unpark(seq: string): Promise<void> {
    const index = this.parked.findIndex((parked) => parked.seq === seq);
    if (index >= 0) this.parked.splice(index, 1);
    return Promise.resolve();
  }

  releaseIfEmpty(_tenant: string, subscription: string): Promise<boolean> {
    if (this.parked.length > 0) return Promise.resolve(false);
    this.holds.delete(subscription);
    return Promise.resolve(true);
  }

  async releaseAll(
    _tenant: string,
    subscription: string,
    forward: (parked: ParkedDelivery<DeliveryMessage>[]) => Promise<void>,
  ): Promise<number> {
    if (!this.holds.has(subscription)) return 0;
    const parked = this.parked.splice(0);
    if (parked.length > 0) await forward(parked);
    this.holds.delete(subscription);
    return parked.length;
  }
}

const retryStep = (attempt: number): NextStep => ({ kind: 'retry', delayMs: 1_000, attempt });

/** Answers each delivery as told (delivered unless told otherwise), and logs what happened when. */
class FakeDelivery {
  readonly answers = new Map<string, NextStep>();
  readonly attempted: string[] = [];
  readonly refused: { id: string; message: string }[] = [];
  readonly log: string[] = [];

  attempt(sent: DeliveryMessage, heard?: (step: NextStep) => void): Promise<NextStep> {
    this.attempted.push(sent.delivery_id);
    const step = this.answers.get(sent.delivery_id) ?? { kind: 'done' };
    this.log.push(`answer ${sent.delivery_id}`);
    heard?.(step);
    this.log.push(`recorded ${sent.delivery_id}`);
    return Promise.resolve(step);
  }

  refuse(refusedMessage: DeliveryMessage, result: FailedSend): Promise<NextStep> {
    this.refused.push({ id: refusedMessage.delivery_id, message: result.message });
    return Promise.resolve({ kind: 'dead', reason: result.message });
  }
}

class FakeRouter {
  readonly handedOn: { id: string; outcome: LaterOutcome }[] = [];
  readonly deadLetters: string[] = [];

  deadlineOf(_message: DeliveryMessage, now: number): number {
    return now + 60_000;
  }

  later(sent: DeliveryMessage, outcome: LaterOutcome): Promise<void> {
    this.handedOn.push({ id: sent.delivery_id, outcome });
    return Promise.resolve();
  }

  readonly waitedOn: { id: string; afterMs: number }[] = [];

  waitOn(sent: DeliveryMessage, afterMs: number): Promise<void> {
    this.waitedOn.push({ id: sent.delivery_id, afterMs });
    return Promise.resolve();
  }

  deadLetter(_key: string | null, value: DeliveryMessage): Promise<void> {
    this.deadLetters.push(value.delivery_id);
    return Promise.resolve();
  }
}

class FakeTargets {
  current: DeliveryTarget | null = target();
  read = false;
  readonly forgotten: string[] = [];

  get(): Promise<DeliveryTarget | null> {
    this.read = true;
    return Promise.resolve(this.current);
  }

  known(): DeliveryTarget | null {
    return this.read ? this.current : null;
  }

  /** Nothing is taken from a cache here: every delivery reads through `get`. */
  cached(): DeliveryTarget | null | undefined {
    return undefined;
  }

  forget(subscription: string): void {
    this.forgotten.push(subscription);
  }
}

function setUp(failureThreshold = 5) {
  const strict = new FakeStrictOrder();
  const delivery = new FakeDelivery();
  const router = new FakeRouter();
  const targets = new FakeTargets();
  const config = {
    delivery: { circuitBreaker: { threshold: failureThreshold, openMs: 30_000 } },
  } as DelivererConfig;
  const metrics = { gauge: () => undefined } as unknown as HeraldMetrics;
  const flow = new DeliveryFlow(
    config,
    delivery as unknown as DeliveryService,
    targets as unknown as DeliveryTargets,
    strict as unknown as StrictOrderRepository,
    router as unknown as DeliveryRouter,
    metrics,
  );
  return { flow, strict, delivery, router, targets };
}

/** A strict subscription held by `dlv_3`, with 4, 5 and 6 parked behind it. */
function heldWithParked(fixture: ReturnType<typeof setUp>, parked = ['dlv_4', 'dlv_5', 'dlv_6']) {
  fixture.strict.holds.set(SUBSCRIPTION, 'dlv_3');
  for (const id of parked) fixture.strict.park(message(id));
}

describe('DeliveryFlow, strict ordering', () => {
  it('a held subscription parks a new delivery without calling', async () => {
    const fixture = setUp();
    fixture.strict.holds.set(SUBSCRIPTION, 'dlv_3');

    await expect(fixture.flow.handle(message('dlv_4'))).resolves.toEqual({ kind: 'ack' });

    expect(fixture.strict.parked.map((parked) => parked.deliveryId)).toEqual(['dlv_4']);
    expect(fixture.delivery.attempted).toEqual([]);
  });

  it('a failure holds the subscription with that delivery and hands it to the retry path', async () => {
    const fixture = setUp();
    fixture.delivery.answers.set('dlv_3', retryStep(1));

    const outcome = await fixture.flow.handle(message('dlv_3'));

    expect(outcome).toEqual({ kind: 'retry', afterMs: 1_000, reason: 'attempt 1 failed' });
    expect(fixture.strict.holds.get(SUBSCRIPTION)).toBe('dlv_3');
  });

  it('the holder delivered sends what is parked, in order, until none is left, and releases the hold', async () => {
    const fixture = setUp();
    heldWithParked(fixture);

    await expect(fixture.flow.handle(message('dlv_3', 1))).resolves.toEqual({ kind: 'ack' });

    expect(fixture.delivery.attempted).toEqual(['dlv_3', 'dlv_4', 'dlv_5', 'dlv_6']);
    expect(fixture.strict.parked).toEqual([]);
    expect(fixture.strict.holds.has(SUBSCRIPTION)).toBe(false);
    expect(fixture.router.handedOn).toEqual([]);
  });

  it('the holder dead-lettered sends what is parked as well', async () => {
    const fixture = setUp();
    heldWithParked(fixture);
    fixture.delivery.answers.set('dlv_3', { kind: 'dead', reason: 'gave up after 4 attempts' });

    await expect(fixture.flow.handle(message('dlv_3', 3))).resolves.toEqual({ kind: 'ack' });

    expect(fixture.router.deadLetters).toEqual(['dlv_3']);
    expect(fixture.delivery.attempted).toEqual(['dlv_3', 'dlv_4', 'dlv_5', 'dlv_6']);
    expect(fixture.strict.holds.has(SUBSCRIPTION)).toBe(false);
  });

  it('a delivery done after a later one failed and held the subscription leaves that hold in place', async () => {
    const fixture = setUp();
    const attempt = fixture.delivery.attempt.bind(fixture.delivery);
    fixture.delivery.attempt = async (sent, heard) => {
      const step = await attempt(sent, heard);
      // 2's answer freed the window: 3 failed and holds, and 4 parked, before 2 is recorded.
      heldWithParked(fixture, ['dlv_4']);
      return step;
    };

    await expect(fixture.flow.handle(message('dlv_2'))).resolves.toEqual({ kind: 'ack' });

    expect(fixture.delivery.attempted).toEqual(['dlv_2']);
    expect(fixture.strict.holds.get(SUBSCRIPTION)).toBe('dlv_3');
    expect(fixture.strict.parked.map((parked) => parked.deliveryId)).toEqual(['dlv_4']);
  });

  it('a failure while draining holds the subscription with that delivery and hands it to the retry path', async () => {
    const fixture = setUp();
    heldWithParked(fixture);
    fixture.delivery.answers.set('dlv_5', retryStep(1));

    await expect(fixture.flow.handle(message('dlv_3', 1))).resolves.toEqual({ kind: 'ack' });

    expect(fixture.delivery.attempted).toEqual(['dlv_3', 'dlv_4', 'dlv_5']);
    expect(fixture.strict.holds.get(SUBSCRIPTION)).toBe('dlv_5');
    expect(fixture.router.handedOn).toEqual([
      { id: 'dlv_5', outcome: { kind: 'retry', afterMs: 1_000, reason: 'attempt 1 failed' } },
    ]);
    expect(fixture.strict.parked.map((parked) => parked.deliveryId)).toEqual(['dlv_6']);
  });

  it('after DRAIN_LIMIT sent, the next parked delivery is handed on as the new holder', async () => {
    const fixture = setUp();
    const parked = Array.from({ length: 52 }, (_, index) => `dlv_p${index}`);
    heldWithParked(fixture, parked);

    await expect(fixture.flow.handle(message('dlv_3', 1))).resolves.toEqual({ kind: 'ack' });

    expect(fixture.delivery.attempted).toEqual(['dlv_3', ...parked.slice(0, 50)]);
    expect(fixture.strict.holds.get(SUBSCRIPTION)).toBe('dlv_p50');
    expect(fixture.router.handedOn).toEqual([
      { id: 'dlv_p50', outcome: { kind: 'defer', afterMs: 0, reason: 'draining' } },
    ]);
    expect(fixture.strict.parked.map((entry) => entry.deliveryId)).toEqual(['dlv_p51']);
  });

  it.each([
    ['disabled', { enabled: false }, 'subscription disabled'],
    ['deleted', { enabled: false, deleted: true }, 'subscription no longer exists'],
  ] as const)(
    'a %s subscription dead-letters its delivery and what is parked without calling, and releases the hold',
    async (_, change, reason) => {
      const fixture = setUp();
      fixture.targets.current = target(change);
      heldWithParked(fixture, ['dlv_4', 'dlv_5']);

      await expect(fixture.flow.handle(message('dlv_7'))).resolves.toEqual({ kind: 'ack' });

      expect(fixture.delivery.attempted).toEqual([]);
      expect(fixture.delivery.refused).toEqual(
        ['dlv_7', 'dlv_4', 'dlv_5'].map((id) => ({ id, message: reason })),
      );
      expect(fixture.router.deadLetters).toEqual(['dlv_7', 'dlv_4', 'dlv_5']);
      expect(fixture.strict.parked).toEqual([]);
      expect(fixture.strict.holds.has(SUBSCRIPTION)).toBe(false);
    },
  );

  it('a subscription no longer strict hands what was parked to the retry path, in order, and drops the hold', async () => {
    const fixture = setUp();
    fixture.targets.current = target({ ordering: 'best_effort', held: true });
    heldWithParked(fixture, ['dlv_4', 'dlv_5']);

    await expect(fixture.flow.handle(message('dlv_6'))).resolves.toEqual({ kind: 'ack' });

    const relaxed = { kind: 'defer', afterMs: 0, reason: 'ordering relaxed' };
    expect(fixture.router.handedOn).toEqual([
      { id: 'dlv_4', outcome: relaxed },
      { id: 'dlv_5', outcome: relaxed },
    ]);
    expect(fixture.strict.holds.has(SUBSCRIPTION)).toBe(false);
    expect(fixture.targets.forgotten).toEqual([SUBSCRIPTION]);
    expect(fixture.delivery.attempted).toEqual(['dlv_6']);
  });
});

describe('DeliveryFlow, releasing the window', () => {
  it.each([
    ['strict, delivered: released', 'strict', { kind: 'done' }, true],
    ['strict, failed: not released', 'strict', retryStep(1), false],
    ['strict, dead: not released', 'strict', { kind: 'dead', reason: 'answered 400' }, false],
    ['best-effort, delivered: released', 'best_effort', { kind: 'done' }, true],
    ['best-effort, failed: released', 'best_effort', retryStep(1), true],
    ['best-effort, dead: released', 'best_effort', { kind: 'dead', reason: 'answered 400' }, true],
  ] as const)('%s on the answer', async (_, ordering, step, released) => {
    const fixture = setUp();
    fixture.targets.current = target({ ordering });
    fixture.delivery.answers.set('dlv_1', step);
    const release = (): void => {
      fixture.delivery.log.push('release');
    };

    await fixture.flow.handle(message('dlv_1'), release);

    // Released once the answer is in, before the attempt is recorded.
    expect(fixture.delivery.log).toEqual(
      released ? ['answer dlv_1', 'release', 'recorded dlv_1'] : ['answer dlv_1', 'recorded dlv_1'],
    );
  });

  it('a strict delivery parked behind a hold is not released', async () => {
    const fixture = setUp();
    fixture.strict.holds.set(SUBSCRIPTION, 'dlv_3');
    let released = false;

    await fixture.flow.handle(message('dlv_4'), () => {
      released = true;
    });

    expect(released).toBe(false);
  });
});

describe('DeliveryFlow.windowOf', () => {
  it('is 1 without a subscription, and while its policy is not known yet', () => {
    const { flow } = setUp();
    expect(flow.windowOf(null)).toBe(1);
    expect(flow.windowOf(SUBSCRIPTION)).toBe(1);
  });

  it.each([
    ['strict: 1', { ordering: 'strict' }, 1],
    ['an SQS FIFO queue: 1', { ordering: 'best_effort', fifo: true }, 1],
    ['best-effort: its max_in_flight', { ordering: 'best_effort', maxInFlight: 4 }, 4],
    ['best-effort: the default', { ordering: 'best_effort' }, DEFAULT_MAX_IN_FLIGHT],
  ] as const)('%s', async (_, change, window) => {
    const fixture = setUp();
    fixture.targets.current = target(change);
    await fixture.flow.handle(message('dlv_1'));
    expect(fixture.flow.windowOf(SUBSCRIPTION)).toBe(window);
  });

  it('is 1 while its endpoint is failing, and its window again after a success', async () => {
    const fixture = setUp();
    fixture.targets.current = target({ ordering: 'best_effort', maxInFlight: 4 });
    fixture.delivery.answers.set('dlv_1', retryStep(1));

    await fixture.flow.handle(message('dlv_1'));
    expect(fixture.flow.windowOf(SUBSCRIPTION)).toBe(1);

    await fixture.flow.handle(message('dlv_2'));
    expect(fixture.flow.windowOf(SUBSCRIPTION)).toBe(4);
  });
});

describe('DeliveryFlow, a wait longer than the retry topics hold', () => {
  const waiting = (id: string, dueInMs: number): DeliveryMessage => ({
    ...message(id, 1),
    due_at: new Date(Date.now() + dueInMs).toISOString(),
  });

  it.each(['strict', 'best_effort'] as const)(
    '%s: a delivery back before it is due goes on waiting, without a call',
    async (ordering) => {
      const fixture = setUp();
      fixture.targets.current = target({ ordering });

      await expect(fixture.flow.handle(waiting('dlv_1', 3_600_000))).resolves.toEqual({
        kind: 'ack',
      });

      expect(fixture.router.waitedOn).toHaveLength(1);
      expect(fixture.router.waitedOn[0].id).toBe('dlv_1');
      expect(fixture.router.waitedOn[0].afterMs).toBeGreaterThan(3_590_000);
      expect(fixture.router.waitedOn[0].afterMs).toBeLessThanOrEqual(3_600_000);
      expect(fixture.delivery.attempted).toEqual([]);
      expect(fixture.router.handedOn).toEqual([]);
    },
  );

  it('a delivery back once it is due is sent', async () => {
    const fixture = setUp();
    fixture.targets.current = target({ ordering: 'best_effort' });

    await fixture.flow.handle(waiting('dlv_1', -1));

    expect(fixture.delivery.attempted).toEqual(['dlv_1']);
    expect(fixture.router.waitedOn).toEqual([]);
  });

  it('a refused subscription dead-letters it now instead of waiting', async () => {
    const fixture = setUp();
    fixture.targets.current = target({ ordering: 'best_effort', enabled: false });

    await fixture.flow.handle(waiting('dlv_1', 3_600_000));

    expect(fixture.router.waitedOn).toEqual([]);
    expect(fixture.delivery.refused.map((refused) => refused.id)).toEqual(['dlv_1']);
  });
});
