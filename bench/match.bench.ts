import { SubscriptionIndex, type HeraldEvent, type MatchableSubscription } from '@herald/domain';

/**
 * Events matched per second against 10,000 subscriptions in one process (`npm run bench`).
 * Two layouts: all subscriptions in one tenant (the worst case: every event sees all of them
 * through the type index) and spread over 100 tenants.
 */
const TYPES = Array.from({ length: 50 }, (_, i) => `model_${i % 10}.event_${i}`);

function subscriptions(count: number, tenants: number): MatchableSubscription[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 10;
    const eventTypes =
      kind < 4
        ? [TYPES[i % TYPES.length]]
        : kind < 7
          ? [`model_${i % 10}.*`]
          : kind < 9
            ? [TYPES[i % TYPES.length], 'datum/agg/update']
            : ['*'];
    return {
      id: `sub_${String(i).padStart(8, '0')}`,
      tenantId: `ten_${i % tenants}`,
      enabled: true,
      status: 'active',
      eventTypes,
      filter:
        kind >= 7 && kind < 9
          ? {
              'data.nodeId': { $in: [i % 50, (i + 1) % 50] },
              'data.sourceId': { $glob: `/site-${i % 7}/**` },
            }
          : null,
      triggerFields: kind === 9 ? ['project.address', 'contact.*'] : null,
      payloadFields: null,
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
  });
}

function events(count: number, tenants: number): HeraldEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `evt_${i}`,
    tenantId: `ten_${i % tenants}`,
    type: i % 3 === 0 ? 'datum/agg/update' : TYPES[i % TYPES.length],
    occurredAt: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:00.000Z',
    subject: `node/${i % 50}/source/site-${i % 7}/inv-${i % 3}`,
    changedFields: i % 2 === 0 ? ['project.address'] : ['project.notes'],
    data: { nodeId: i % 50, sourceId: `/site-${i % 7}/inv-${i % 3}`, watts: i },
  }));
}

function run(label: string, tenants: number): void {
  const index = new SubscriptionIndex();
  for (const subscription of subscriptions(10_000, tenants)) index.upsert(subscription);
  const sample = events(5_000, tenants);
  for (const event of sample) index.match(event); // warm up
  let matched = 0;
  let done = 0;
  const started = process.hrtime.bigint();
  const budget = 3_000_000_000n;
  while (process.hrtime.bigint() - started < budget) {
    for (const event of sample) matched += index.match(event).length;
    done += sample.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = Math.round(done / seconds);
  process.stdout.write(
    `${label}: ${rate.toLocaleString('en')} events/s against 10,000 subscriptions ` +
      `(${(matched / done).toFixed(1)} matches per event, ${done.toLocaleString('en')} events in ${seconds.toFixed(1)} s)\n`,
  );
}

run('one tenant   ', 1);
run('100 tenants  ', 100);
