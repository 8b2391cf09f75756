import { Partitioners } from 'kafkajs';
import { Topics } from '@herald/contracts';
import { type ApiClient, type ReceivedRequest, waitFor } from '@herald/testing';
import { startPipeline, untilIngestKnows, type PipelineFixture } from './support/herald-harness';

/** The partition of `herald.deliveries` a subscription's deliveries go to (keyed by its id). */
function deliveriesPartition(subscriptionId: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  return partitioner({
    topic: Topics.deliveries.name,
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    })),
    message: { key: subscriptionId, value: null },
  });
}

/** The `seq` of each distinct delivery a receiver took in at `path`, in the order they first arrived. */
function sequenceAt(requests: ReceivedRequest[]): number[] {
  return requests.map(
    (request) => (JSON.parse(request.body) as { data: { seq: number } }).data.seq,
  );
}

describe('delivery order and isolation', () => {
  let pipeline: PipelineFixture;

  beforeAll(async () => {
    pipeline = await startPipeline('delivery-ordering-test');
  });

  afterAll(async () => {
    await pipeline.stop();
  });

  async function subscribe(
    client: ApiClient,
    path: string,
    eventType: string,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: [eventType],
      destination: { type: 'webhook', url: `${pipeline.receiver.url}${path}` },
      ...extra,
    });
    expect(created.status).toBe(201);
    await untilIngestKnows(pipeline.herald, created.body.id);
    return created.body.id;
  }

  async function publish(tenantId: string, type: string, seqs: number[]): Promise<void> {
    await pipeline.producer.send({
      topic: Topics.eventsInbound.name,
      // Keyed by tenant, as the README asks of producers that need order: one inbound partition.
      messages: seqs.map((seq) => ({
        key: tenantId,
        value: JSON.stringify({ tenant_id: tenantId, type, data: { seq } }),
      })),
    });
  }

  // Best-effort deliveries start in event order, up to max_in_flight at once (the contract since the
  // throughput work): one at a time, and with nothing failing, they also arrive in event order.
  it('delivers 100 events in event order to a best-effort subscription one at a time', async () => {
    const { tenantId, client } = await pipeline.operator.createTenant('ordered');
    await subscribe(client, '/ordered', 'reading.taken', { max_in_flight: 1 });
    const seqs = Array.from({ length: 100 }, (_, index) => index);
    // Several sends, so the deliveries span many Kafka batches.
    for (let start = 0; start < 100; start += 10) {
      await publish(tenantId, 'reading.taken', seqs.slice(start, start + 10));
    }
    const received = await waitFor(
      '100 deliveries at /ordered',
      () => {
        const distinct = pipeline.receiver.distinctRequestsTo('/ordered');
        return distinct.length >= 100 && distinct;
      },
      60_000,
    );
    expect(sequenceAt(received)).toEqual(seqs);
  });

  it('has up to max_in_flight deliveries of a best-effort subscription in flight at once, each delivered once', async () => {
    const { tenantId, client } = await pipeline.operator.createTenant('windowed');
    pipeline.receiver.respondWith((request) =>
      request.path === '/window' ? { status: 200, delayMs: 400 } : { status: 200 },
    );
    await subscribe(client, '/window', 'reading.taken', { max_in_flight: 4 });
    const seqs = Array.from({ length: 16 }, (_, index) => index);
    await publish(tenantId, 'reading.taken', seqs);
    const received = await waitFor(
      '16 deliveries at /window',
      () => {
        const all = pipeline.receiver.requests.filter((request) => request.path === '/window');
        return all.length >= 16 && all;
      },
      60_000,
    );
    expect([...sequenceAt(received)].sort((a, b) => a - b)).toEqual(seqs);
    // How many were at the receiver at once: each stays 400 ms, and the next of a full window comes after.
    const overlap = Math.max(
      ...received.map(
        (request) =>
          received.filter(
            (other) =>
              other.receivedAt <= request.receivedAt && request.receivedAt < other.receivedAt + 380,
          ).length,
      ),
    );
    expect(overlap).toBe(4);
    pipeline.receiver.respondWith(() => ({ status: 200 }));
  });

  it('with strict ordering, a failing delivery holds the later ones, which follow it in order', async () => {
    const { tenantId, client } = await pipeline.operator.createTenant('strict');
    let failuresLeft = 2;
    pipeline.receiver.respondWith((request) => {
      if (request.path !== '/strict') return { status: 200 };
      const { seq } = (JSON.parse(request.body) as { data: { seq: number } }).data;
      if (seq === 3 && failuresLeft > 0) {
        failuresLeft--;
        return { status: 500, body: 'not yet' };
      }
      return { status: 200 };
    });
    await subscribe(client, '/strict', 'meter.read', { ordering: 'strict' });
    await publish(tenantId, 'meter.read', [0, 1, 2, 3, 4, 5]);
    await publish(tenantId, 'meter.read', [6, 7, 8, 9]);

    const received = await waitFor(
      'ten deliveries at /strict',
      () => {
        const distinct = pipeline.receiver.distinctRequestsTo('/strict');
        return distinct.length >= 10 && distinct;
      },
      30_000,
    );
    expect(sequenceAt(received)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const attemptsOfThree = pipeline.receiver.requests.filter(
      (request) =>
        request.path === '/strict' &&
        (JSON.parse(request.body) as { data: { seq: number } }).data.seq === 3,
    );
    expect(attemptsOfThree).toHaveLength(3);
    const successOfThree = attemptsOfThree[2].receivedAt;
    // Nothing after 3 went out before 3 was delivered, although it waited through two retries.
    for (const request of received.slice(4)) {
      expect(request.receivedAt).toBeGreaterThanOrEqual(successOfThree);
    }
    expect(successOfThree - attemptsOfThree[0].receivedAt).toBeGreaterThanOrEqual(2_700);
  });

  it('a strict subscription switched to best_effort while held lets its parked deliveries go', async () => {
    const { tenantId, client } = await pipeline.operator.createTenant('relaxed');
    // 3 never succeeds: with strict ordering 4–6 would wait behind it until it is dead-lettered.
    pipeline.receiver.respondWith((request) => {
      if (request.path !== '/relaxed') return { status: 200 };
      const { seq } = (JSON.parse(request.body) as { data: { seq: number } }).data;
      return seq === 3 ? { status: 500, body: 'never' } : { status: 200 };
    });
    const id = await subscribe(client, '/relaxed', 'meter.relaxed', { ordering: 'strict' });
    await publish(tenantId, 'meter.relaxed', [0, 1, 2, 3, 4, 5, 6]);
    const seqsAt = (): number[] => sequenceAt(pipeline.receiver.distinctRequestsTo('/relaxed'));
    await waitFor('3 to fail once', () => seqsAt().includes(3), 30_000);
    expect(seqsAt()).toEqual([0, 1, 2, 3]);

    const relaxed = await client.request('PATCH', `/v1/subscriptions/${id}`, {
      ordering: 'best_effort',
    });
    expect(relaxed.status).toBe(200);
    await waitFor(
      '4, 5 and 6 to be released while 3 still fails',
      () => [4, 5, 6].every((seq) => seqsAt().includes(seq)),
      20_000,
    );
    expect(seqsAt().slice(0, 4)).toEqual([0, 1, 2, 3]);
  });

  it('a slow endpoint does not delay another subscription on the same partition', async () => {
    const { tenantId, client } = await pipeline.operator.createTenant('isolation');
    const partitions = pipeline.herald.config.kafka.topicPartitions;
    pipeline.receiver.respondWith((request) =>
      request.path === '/slow' ? { status: 200, delayMs: 5_000 } : { status: 200 },
    );
    const slow = await subscribe(client, '/slow', 'sample.*');
    // Subscriptions get random ids: make fast ones until one shares the slow one's partition.
    let fastPath: string | null = null;
    for (let tries = 0; tries < 30 && fastPath === null; tries++) {
      // One at a time, so its deliveries also arrive in event order.
      const candidate = await subscribe(client, `/fast-${tries}`, 'sample.*', { max_in_flight: 1 });
      if (deliveriesPartition(candidate, partitions) === deliveriesPartition(slow, partitions)) {
        fastPath = `/fast-${tries}`;
      } else {
        const deleted = await client.request('DELETE', `/v1/subscriptions/${candidate}`);
        expect(deleted.status).toBe(204);
      }
    }
    if (fastPath === null) throw new Error('no subscription id landed on the slow one’s partition');
    const fast = fastPath;

    // Events in several sends, so the fast subscription's deliveries come in several Kafka batches
    // while the slow endpoint's first call is still open.
    for (let round = 0; round < 5; round++) {
      await publish(
        tenantId,
        'sample.taken',
        [0, 1, 2, 3].map((index) => round * 4 + index),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const fastRequests = await waitFor(
      'twenty deliveries at the fast endpoint',
      () => {
        const distinct = pipeline.receiver.distinctRequestsTo(fast);
        return distinct.length >= 20 && distinct;
      },
      30_000,
    );
    const slowRequests = pipeline.receiver.requests.filter((request) => request.path === '/slow');
    expect(slowRequests.length).toBeGreaterThan(0);
    const slowFirstAnswer = slowRequests[0].receivedAt + 5_000;
    for (const request of fastRequests) expect(request.receivedAt).toBeLessThan(slowFirstAnswer);
    expect(sequenceAt(fastRequests)).toEqual(Array.from({ length: 20 }, (_, index) => index));
  });
});
