import type { HeraldEvent } from './event';
import type { MatchableSubscription } from './subscription';
import { SubscriptionIndex } from './subscription-index';

const subscription = (overrides: Partial<MatchableSubscription> = {}): MatchableSubscription => ({
  id: 'sub_1',
  tenantId: 'ten_a',
  enabled: true,
  status: 'active',
  eventTypes: ['meter_data.received'],
  filter: null,
  triggerFields: null,
  payloadFields: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

const event = (overrides: Partial<HeraldEvent> = {}): HeraldEvent => ({
  id: 'evt_1',
  tenantId: 'ten_a',
  type: 'meter_data.received',
  occurredAt: '2026-01-01T00:00:00.000Z',
  receivedAt: '2026-01-01T00:00:00.000Z',
  subject: null,
  changedFields: null,
  data: { nodeId: 1 },
  ...overrides,
});

const ids = (index: SubscriptionIndex, e: HeraldEvent) =>
  index
    .match(e)
    .map((s) => s.id)
    .sort();

describe('subscription index', () => {
  it('finds subscriptions by exact type and by glob, once each', () => {
    const index = new SubscriptionIndex();
    index.upsert(
      subscription({ id: 'sub_3', eventTypes: ['meter_data.*', 'meter_data.received'] }),
    );
    index.upsert(subscription({ id: 'sub_1' }));
    index.upsert(subscription({ id: 'sub_2', eventTypes: ['*'] }));
    index.upsert(subscription({ id: 'sub_4', eventTypes: ['user.created'] }));
    expect(ids(index, event())).toEqual(['sub_1', 'sub_2', 'sub_3']);
    expect(ids(index, event({ type: 'user.created' }))).toEqual(['sub_2', 'sub_4']);
  });

  it('keeps tenants apart', () => {
    const index = new SubscriptionIndex();
    index.upsert(subscription({ id: 'sub_a', eventTypes: ['*'] }));
    index.upsert(subscription({ id: 'sub_b', tenantId: 'ten_b', eventTypes: ['*'] }));
    expect(ids(index, event({ tenantId: 'ten_b' }))).toEqual(['sub_b']);
    expect(ids(index, event({ tenantId: 'ten_c' }))).toEqual([]);
  });

  it('applies changes, disabling and deletion', () => {
    const index = new SubscriptionIndex();
    index.upsert(subscription());
    index.upsert(subscription({ eventTypes: ['user.*'], updatedAt: '2026-01-02T00:00:00.000Z' }));
    expect(ids(index, event())).toEqual([]);
    expect(ids(index, event({ type: 'user.created' }))).toEqual(['sub_1']);
    index.upsert(
      subscription({
        eventTypes: ['user.*'],
        enabled: false,
        updatedAt: '2026-01-03T00:00:00.000Z',
      }),
    );
    expect(ids(index, event({ type: 'user.created' }))).toEqual([]);
    expect(index.size).toBe(1);
    index.remove('sub_1', '2026-01-04T00:00:00.000Z');
    expect(index.size).toBe(0);
  });

  it('ignores a change older than the one it holds, and a late upsert after a deletion', () => {
    const index = new SubscriptionIndex();
    index.upsert(subscription({ eventTypes: ['user.*'], updatedAt: '2026-01-02T00:00:00.000Z' }));
    index.upsert(
      subscription({ eventTypes: ['meter_data.*'], updatedAt: '2026-01-01T00:00:00.000Z' }),
    );
    expect(ids(index, event({ type: 'user.created' }))).toEqual(['sub_1']);
    index.remove('sub_1', '2026-01-03T00:00:00.000Z');
    index.upsert(subscription({ updatedAt: '2026-01-02T12:00:00.000Z' }));
    expect(index.size).toBe(0);
  });

  it('still applies filters and trigger fields', () => {
    const index = new SubscriptionIndex();
    index.upsert(subscription({ id: 'sub_f', filter: { 'data.nodeId': 2 } }));
    index.upsert(subscription({ id: 'sub_t', triggerFields: ['project.address'] }));
    expect(ids(index, event({ changedFields: ['project.address'] }))).toEqual(['sub_t']);
    expect(ids(index, event({ data: { nodeId: 2 }, changedFields: ['project.notes'] }))).toEqual([
      'sub_f',
    ]);
  });
});
