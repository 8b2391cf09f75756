import { Kafka, logLevel, Partitioners, type PartitionMetadata, type Producer } from 'kafkajs';
import { ApiClient, waitFor, WebhookReceiver, type ReceivedRequest } from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';
import {
  buildDist,
  startServiceProcess,
  stopServiceProcess,
  type ServiceProcess,
} from './support/service-process';

const EVENTS_PER_TENANT = 150;
/** The stream lasts about 15 s: a replica killed early is back (its session expired) well before its end. */
const CHUNKS = 30;
const CHUNK_EVERY_MS = 500;
const ANSWER_AFTER_MS = 5;

/** The event a delivered request carries (the stream numbers each tenant's events). */
const seqOf = (request: ReceivedRequest): number =>
  (JSON.parse(request.body) as { data: { seq: number } }).data.seq;

/** The sum of a metric's samples in a Prometheus text exposition (0 when it has none). */
function total(exposition: string, metric: string, having = ''): number {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`) && line.includes(having))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function metricsOf(service: ServiceProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
}

/**
 * Two event-ingests (which match what they store) and two deliverers, each its own OS process, in
 * one consumer group per role: they
 * share the partitions (both replicas of each do work), and when one of each is killed with SIGKILL
 * mid-stream and started again, nothing is lost, a duplicate repeats its webhook-id, and strict
 * subscriptions still receive their events in order.
 */
describe('many replicas: two event-ingests and two deliverers under load, one of each killed and restarted', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let producer: Producer;
  const children: ServiceProcess[] = [];

  async function startReplica(role: 'event-ingest' | 'deliverer'): Promise<ServiceProcess> {
    const service = await startServiceProcess(
      role,
      {
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        DATABASE_URL: process.env.DATABASE_URL,
        HERALD_ENCRYPTION_KEY: process.env.HERALD_TEST_ENCRYPTION_KEY,
        HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true',
        HERALD_TOPIC_PARTITIONS: String(herald.config.kafka.topicPartitions),
        HERALD_RETRY_SCHEDULE: herald.config.delivery.retrySchedule
          .map((ms) => `${ms}ms`)
          .join(','),
      },
      90_000,
    );
    children.push(service);
    return service;
  }

  beforeAll(async () => {
    buildDist();
    // Only the API in this process: the event-ingests and deliverers are the replicas.
    herald = await startHerald(undefined, { services: [] });
    receiver = await WebhookReceiver.start();
    receiver.respondWith(() => ({ status: 200, body: 'ok', delayMs: ANSWER_AFTER_MS }));
    producer = new Kafka({
      brokers: herald.config.kafka.brokers,
      logLevel: logLevel.NOTHING,
    }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  }, 180_000);

  afterAll(async () => {
    for (const child of children) await stopServiceProcess(child, 'SIGKILL');
    await producer?.disconnect();
    await receiver?.stop();
    await herald?.stop();
  });

  it('share the work, and lose nothing, keep webhook-ids and strict order across the kills', async () => {
    // The partition a key lands on, as Herald's producers place it.
    const partitions = herald.config.kafka.topicPartitions;
    const place = Partitioners.DefaultPartitioner();
    const metadata = Array.from(
      { length: partitions },
      (_, partitionId) => ({ partitionId, leader: 0 }) as PartitionMetadata,
    );
    const partitionOf = (key: string): number =>
      place({ topic: 'any', partitionMetadata: metadata, message: { key, value: null } });

    // Tenants whose inbound events (published keyed by tenant) cover every partition, so each
    // event-ingest has some; subscriptions whose deliveries (keyed by subscription) cover every
    // partition too.
    const operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    const tenants: { tenantId: string; client: ApiClient }[] = [];
    const tenantPartitions = new Set<number>();
    for (let index = 0; tenantPartitions.size < partitions; index++) {
      const tenant = await operator.createTenant(`replicas-${index}`);
      if (tenantPartitions.has(partitionOf(tenant.tenantId))) continue;
      tenantPartitions.add(partitionOf(tenant.tenantId));
      tenants.push(tenant);
    }
    const subscriptions: { tenantId: string; path: string; strict: boolean }[] = [];
    const subscriptionPartitions = new Set<number>();
    for (
      let round = 0;
      round < 10 && (round < 2 || subscriptionPartitions.size < partitions);
      round++
    ) {
      for (const [index, { tenantId, client }] of tenants.entries()) {
        const strict = round === 0;
        const path = `/replicas/${index}/${round}`;
        const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
          event_types: ['replica.tick'],
          destination: { type: 'webhook', url: `${receiver.url}${path}` },
          ordering: strict ? 'strict' : 'best_effort',
        });
        expect(created.status).toBe(201);
        subscriptionPartitions.add(partitionOf(created.body.id));
        subscriptions.push({ tenantId, path, strict });
      }
    }
    expect(subscriptionPartitions.size).toBe(partitions);
    const pairs = subscriptions.length * EVENTS_PER_TENANT;

    // Started after the subscriptions exist: an event-ingest loads them all before it takes an event.
    const ingests = [await startReplica('event-ingest'), await startReplica('event-ingest')];
    const deliverers = [await startReplica('deliverer'), await startReplica('deliverer')];

    // Each tenant's events in order on one inbound partition (keyed by tenant), in chunks.
    const perChunk = EVENTS_PER_TENANT / CHUNKS;
    const publishing = (async () => {
      for (let chunk = 0; chunk < CHUNKS; chunk++) {
        await producer.send({
          topic: 'herald.events.inbound',
          messages: tenants.flatMap(({ tenantId }) =>
            Array.from({ length: perChunk }, (_, index) => ({
              key: tenantId,
              value: JSON.stringify({
                tenant_id: tenantId,
                type: 'replica.tick',
                data: { seq: chunk * perChunk + index },
              }),
            })),
          ),
        });
        await new Promise((resolve) => setTimeout(resolve, CHUNK_EVERY_MS));
      }
    })();
    const distinctPairs = (): number =>
      new Set(receiver.requests.map((request) => `${request.path}#${seqOf(request)}`)).size;

    // Both replicas of each role do work before the kills.
    const shares = await waitFor(
      'both event-ingests and both deliverers to have done work',
      async () => {
        const created = await Promise.all(
          ingests.map(async (m) => total(await metricsOf(m), 'herald_deliveries_created_total')),
        );
        const delivered = await Promise.all(
          deliverers.map(async (d) =>
            total(await metricsOf(d), 'herald_deliveries_total', 'outcome="delivered"'),
          ),
        );
        return [...created, ...delivered].every((count) => count > 0)
          ? { created, delivered }
          : undefined;
      },
      60_000,
      200,
    );
    expect(distinctPairs()).toBeLessThan(pairs);

    ingests[0].process.kill('SIGKILL');
    deliverers[0].process.kill('SIGKILL');
    await Promise.all([ingests[0].exited, deliverers[0].exited]);
    const pairsAtKill = distinctPairs();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const [ingestAgain, delivererAgain] = await Promise.all([
      startReplica('event-ingest'),
      startReplica('deliverer'),
    ]);
    await publishing;

    await waitFor(
      `all ${pairs} (subscription, event) pairs to arrive`,
      () => {
        for (const child of [ingests[1], deliverers[1], ingestAgain, delivererAgain]) {
          if (child.process.exitCode !== null)
            throw new Error(`a replica exited:\n${child.output()}`);
        }
        return distinctPairs() === pairs;
      },
      150_000,
      100,
    );

    for (const { path, strict } of subscriptions) {
      const arrived = receiver.requests.filter((request) => request.path === path);
      const bySeq = new Map<number, ReceivedRequest[]>();
      for (const request of arrived)
        bySeq.set(seqOf(request), [...(bySeq.get(seqOf(request)) ?? []), request]);
      expect(bySeq.size).toBe(EVENTS_PER_TENANT);
      for (const copies of bySeq.values()) {
        expect(new Set(copies.map((copy) => copy.headers['webhook-id'])).size).toBe(1);
        expect(new Set(copies.map((copy) => copy.body)).size).toBe(1);
      }
      if (strict) {
        // Each event first arrives after every earlier one: a redelivery after the kill repeats
        // what came before, in order, and never overtakes.
        const firstArrivals = [...bySeq.keys()];
        expect(firstArrivals).toEqual([...firstArrivals].sort((a, b) => a - b));
      }
    }
    // After the restarts the work is shared again: the survivor and the restarted replica of each
    // role both did some (each holds a partition its role has work on).
    const after = {
      created: await Promise.all(
        [ingests[1], ingestAgain].map(async (m) =>
          total(await metricsOf(m), 'herald_deliveries_created_total'),
        ),
      ),
      delivered: await Promise.all(
        [deliverers[1], delivererAgain].map(async (d) =>
          total(await metricsOf(d), 'herald_deliveries_total', 'outcome="delivered"'),
        ),
      ),
    };
    expect({
      created: after.created.map((count) => count > 0),
      delivered: after.delivered.map((count) => count > 0),
      after,
    }).toEqual({ created: [true, true], delivered: [true, true], after });
    const duplicates = receiver.requests.length - pairs;
    process.stderr.write(
      `replicas: ${subscriptions.length} subscriptions (${subscriptions.filter((s) => s.strict).length} strict) of ${tenants.length} tenants, ${pairs} pairs; ` +
        `before the kills the event-ingests created ${shares.created.join(' + ')} deliveries and the deliverers made ${shares.delivered.join(' + ')}; ` +
        `${pairsAtKill} pairs had arrived at the kills; over the whole run the surviving and restarted event-ingests ` +
        `created ${after.created.join(' + ')} and the deliverers made ${after.delivered.join(' + ')}; ${duplicates} duplicate requests\n`,
    );
  }, 300_000);
});
