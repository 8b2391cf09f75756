import {
  assessAttempt,
  deliveryExhaustedEvent,
  deliveryRecoveredEvent,
  GONE_REASON,
  isReservedEventType,
  operationalEventId,
  subscriptionDisabledEvent,
  type HealthInput,
  type HealthTransitions,
  type OperationalEventContext,
} from './subscription-health';
import { validateInboundEvent } from './event';

const DAY = 86_400_000;
const now = new Date('2024-05-10T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

const input = (overrides: Partial<HealthInput>): HealthInput => ({
  eventType: 'meter.created',
  verdict: 'failed',
  exhausted: false,
  failingSince: null,
  now,
  autoDisableAfterMs: 5 * DAY,
  ...overrides,
});

const failingFor = (ms: number) =>
  `failing since ${ago(ms).toISOString()}, longer than 5d` as const;

describe('subscription health', () => {
  it.each<[string, Partial<HealthInput>, HealthTransitions]>([
    [
      'a success while healthy changes nothing',
      { verdict: 'succeeded' },
      { failingSince: null, startedFailing: false, recovered: false, disable: null, emit: [] },
    ],
    [
      'a first failure starts a run of failures',
      { verdict: 'failed' },
      { failingSince: now, startedFailing: true, recovered: false, disable: null, emit: [] },
    ],
    [
      'a failure inside the window keeps the run',
      { failingSince: ago(DAY) },
      { failingSince: ago(DAY), startedFailing: false, recovered: false, disable: null, emit: [] },
    ],
    [
      'a failure just short of the window does not disable',
      { failingSince: ago(5 * DAY - 1) },
      {
        failingSince: ago(5 * DAY - 1),
        startedFailing: false,
        recovered: false,
        disable: null,
        emit: [],
      },
    ],
    [
      'a failure at the end of the window disables',
      { failingSince: ago(5 * DAY) },
      {
        failingSince: ago(5 * DAY),
        startedFailing: false,
        recovered: false,
        disable: { cause: 'failing', reason: failingFor(5 * DAY) },
        emit: ['herald.subscription.disabled'],
      },
    ],
    [
      'a 410 disables at once, even on the first failure',
      { verdict: 'gone', exhausted: true },
      {
        failingSince: now,
        startedFailing: true,
        recovered: false,
        disable: { cause: 'gone', reason: GONE_REASON },
        emit: ['herald.subscription.disabled', 'herald.delivery.exhausted'],
      },
    ],
    [
      'a success after failures is a recovery',
      { verdict: 'succeeded', failingSince: ago(3 * DAY) },
      {
        failingSince: null,
        startedFailing: false,
        recovered: true,
        disable: null,
        emit: ['herald.delivery.recovered'],
      },
    ],
    [
      'a dead delivery is exhausted',
      { exhausted: true, failingSince: ago(DAY) },
      {
        failingSince: ago(DAY),
        startedFailing: false,
        recovered: false,
        disable: null,
        emit: ['herald.delivery.exhausted'],
      },
    ],
    [
      'the last attempt past the window both disables and exhausts',
      { exhausted: true, failingSince: ago(6 * DAY) },
      {
        failingSince: ago(6 * DAY),
        startedFailing: false,
        recovered: false,
        disable: { cause: 'failing', reason: failingFor(6 * DAY) },
        emit: ['herald.subscription.disabled', 'herald.delivery.exhausted'],
      },
    ],
    [
      "Herald's own failure neither starts nor ends a run",
      { verdict: 'ours', failingSince: ago(6 * DAY) },
      {
        failingSince: ago(6 * DAY),
        startedFailing: false,
        recovered: false,
        disable: null,
        emit: [],
      },
    ],
    [
      "Herald's own failure that kills the delivery still exhausts it",
      { verdict: 'ours', exhausted: true },
      {
        failingSince: null,
        startedFailing: false,
        recovered: false,
        disable: null,
        emit: ['herald.delivery.exhausted'],
      },
    ],
    [
      'loop guard: a herald.* delivery past the window disables but emits nothing',
      { eventType: 'herald.delivery.exhausted', exhausted: true, failingSince: ago(6 * DAY) },
      {
        failingSince: ago(6 * DAY),
        startedFailing: false,
        recovered: false,
        disable: { cause: 'failing', reason: failingFor(6 * DAY) },
        emit: [],
      },
    ],
    [
      'loop guard: a 410 on a herald.* delivery disables but emits nothing',
      { eventType: 'herald.subscription.disabled', verdict: 'gone', exhausted: true },
      {
        failingSince: now,
        startedFailing: true,
        recovered: false,
        disable: { cause: 'gone', reason: GONE_REASON },
        emit: [],
      },
    ],
    [
      'loop guard: a herald.* recovery emits nothing',
      { eventType: 'herald.test', verdict: 'succeeded', failingSince: ago(DAY) },
      { failingSince: null, startedFailing: false, recovered: true, disable: null, emit: [] },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(assessAttempt(input(overrides))).toEqual(expected);
  });

  it('reads the window in the unit it was given', () => {
    const decided = assessAttempt(
      input({ failingSince: ago(2000), autoDisableAfterMs: 2000 }),
    ).disable;
    expect(decided?.reason).toBe(`failing since ${ago(2000).toISOString()}, longer than 2s`);
  });

  it.each([
    ['herald.subscription.disabled', true],
    ['herald.anything', true],
    ['Herald.delivery.exhausted', true],
    ['HERALD.x', true],
    ['heralds.x', false],
    ['herald', false],
    ['meter.herald.x', false],
    ['api_keys.rotated', false],
  ])('%s is reserved: %s', (type, expected) => {
    expect(isReservedEventType(type)).toBe(expected);
  });
});

describe('operational events', () => {
  const context: OperationalEventContext = {
    tenantId: 'ten_1',
    subscriptionId: 'sub_1',
    deliveryId: 'dlv_01hz',
    eventId: 'evt_9',
    eventType: 'meter.created',
    attempts: 3,
    statusCode: 410,
    failingSince: ago(60_000),
    now,
  };
  const about = {
    subscription_id: 'sub_1',
    delivery_id: 'dlv_01hz',
    event_id: 'evt_9',
    event_type: 'meter.created',
    attempts: 3,
    status_code: 410,
    first_failed_at: ago(60_000).toISOString(),
  };

  it('builds herald.subscription.disabled about the subscription', () => {
    expect(subscriptionDisabledEvent(context, { cause: 'gone', reason: GONE_REASON })).toEqual({
      id: 'evt_herald_disabled_dlv_01hz_3',
      tenant_id: 'ten_1',
      type: 'herald.subscription.disabled',
      occurred_at: now.toISOString(),
      subject: 'sub_1',
      data: { ...about, reason: GONE_REASON, cause: 'gone', disabled_at: now.toISOString() },
    });
  });

  it('builds herald.delivery.exhausted with the reason, capped', () => {
    const event = deliveryExhaustedEvent(context, 'x'.repeat(5000));
    expect(event).toMatchObject({
      id: 'evt_herald_exhausted_dlv_01hz_3',
      type: 'herald.delivery.exhausted',
      subject: 'sub_1',
      data: about,
    });
    expect(event.data.reason).toHaveLength(1000);
  });

  it('builds herald.delivery.recovered with when the failures began', () => {
    expect(deliveryRecoveredEvent({ ...context, statusCode: 200 })).toEqual({
      id: 'evt_herald_recovered_dlv_01hz_3',
      tenant_id: 'ten_1',
      type: 'herald.delivery.recovered',
      occurred_at: now.toISOString(),
      subject: 'sub_1',
      data: { ...about, status_code: 200, recovered_at: now.toISOString() },
    });
  });

  it('gives the same attempt the same id, and other attempts or types other ids', () => {
    const id = operationalEventId('herald.delivery.exhausted', 'dlv_1', 3);
    expect(operationalEventId('herald.delivery.exhausted', 'dlv_1', 3)).toBe(id);
    expect(operationalEventId('herald.delivery.exhausted', 'dlv_1', 4)).not.toBe(id);
    expect(operationalEventId('herald.delivery.recovered', 'dlv_1', 3)).not.toBe(id);
  });

  it('is an envelope ingest accepts', () => {
    const event = subscriptionDisabledEvent(
      { ...context, failingSince: null },
      { cause: 'failing', reason: 'failing since then' },
    );
    const parsed = validateInboundEvent(event);
    expect(parsed).toMatchObject({
      ok: true,
      value: { id: event.id, type: 'herald.subscription.disabled', subject: 'sub_1' },
    });
    expect(event.data.first_failed_at).toBeNull();
  });
});
