import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { ApiClient, verifyWebhook, waitFor, type ReceivedRequest } from '@herald/testing';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';
import { SubscriptionIndexService } from '../apps/event-ingest/src/matching/subscription-index.service';
import {
  buildDist,
  startServiceProcess,
  stopServiceProcess,
  type ServiceProcess,
  type ServiceRole,
} from './support/service-process';

const EVENTS = 300;
const SUBSCRIPTIONS = 3;
const PAIRS = EVENTS * SUBSCRIPTIONS;
const ANSWER_AFTER_MS = 20;
/** Events are published in chunks over a few seconds, so every stage is mid-stream at the kill. */
const CHUNKS = 15;
const CHUNK_EVERY_MS = 250;

type DeliveredBody = { id: string; subscription_id: string; data: { seq: number } };

/** A webhook receiver on loopback that records each request as it arrives and answers 200 a little later. */
class SlowReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      });
      setTimeout(() => res.writeHead(200).end('ok'), ANSWER_AFTER_MS);
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The two consuming services, each killed in turn; the other runs in the test's process. Killing
 * event-ingest kills matching too: it stores, matches and emits in one step.
 */
const KILLED: readonly Exclude<ServiceRole, 'subscription-api'>[] = ['deliverer', 'event-ingest'];

/**
 * At least once across a crash: one consuming service, compiled and run as its own OS process (as
 * `npm start` and the images run it), is killed with SIGKILL half-way through a stream of events and
 * started again. The subscription API and the other consuming service run in this process.
 */
describe.each(KILLED)(
  'no loss: the %s is killed with SIGKILL mid-stream and restarted',
  (killed) => {
    let herald: RunningHerald;
    let receiver: SlowReceiver;
    let producer: Producer;
    let buildMs = 0;
    const children: ServiceProcess[] = [];

    async function startKilled(): Promise<ServiceProcess> {
      const service = await startServiceProcess(
        killed,
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
        60_000,
      );
      children.push(service);
      return service;
    }

    beforeAll(async () => {
      buildMs = buildDist();
      herald = await startHerald(undefined, {
        services: KILLED.filter((service) => service !== killed),
      });
      receiver = new SlowReceiver();
      await receiver.start();
      producer = new Kafka({
        brokers: herald.config.kafka.brokers,
        logLevel: logLevel.NOTHING,
      }).producer();
      await producer.connect();
    }, 180_000);

    afterAll(async () => {
      // A failed test must not leave a service behind to take the partitions of the next suite.
      for (const child of children) await stopServiceProcess(child, 'SIGKILL');
      await producer?.disconnect();
      await receiver?.stop();
      await herald?.stop();
    });

    it('delivers every (subscription, event) pair at least once; duplicates repeat the same webhook-id and body', async () => {
      // The API and the consuming service not killed.
      expect(herald.apps).toHaveLength(2);
      const operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
      const { tenantId, client } = await operator.createTenant(`no-loss-${killed}`);
      const subscriptions: { id: string; secret: string; path: string }[] = [];
      for (let index = 0; index < SUBSCRIPTIONS; index++) {
        const path = `/no-loss/${index}`;
        const created = await client.request<{ id: string; secret: string }>(
          'POST',
          '/v1/subscriptions',
          {
            event_types: ['meter.reading'],
            destination: { type: 'webhook', url: `${receiver.url}${path}` },
          },
        );
        expect(created.status).toBe(201);
        subscriptions.push({ ...created.body, path });
      }
      const first = await startKilled();
      // A killed event-ingest, started after the subscriptions were made, loaded them from
      // PostgreSQL before it reported ready.
      if (killed !== 'event-ingest')
        for (const { id } of subscriptions) await untilIngestKnows(herald, id);

      // Published in chunks, in the background: the stream goes on while the service is down.
      const perChunk = EVENTS / CHUNKS;
      const publishing = (async () => {
        for (let chunk = 0; chunk < CHUNKS; chunk++) {
          await producer.send({
            topic: 'herald.events.inbound',
            messages: Array.from({ length: perChunk }, (_, index) => ({
              value: JSON.stringify({
                tenant_id: tenantId,
                type: 'meter.reading',
                data: { seq: chunk * perChunk + index },
              }),
            })),
          });
          await new Promise((resolve) => setTimeout(resolve, CHUNK_EVERY_MS));
        }
      })();

      const pairOf = (request: ReceivedRequest): string => {
        const body = JSON.parse(request.body) as DeliveredBody;
        return `${request.path}#${body.data.seq}`;
      };
      const distinctPairs = (): number => new Set(receiver.requests.map(pairOf)).size;

      await waitFor(
        'a fifth of the deliveries to arrive',
        () => distinctPairs() >= PAIRS / 5,
        60_000,
        5,
      );
      first.process.kill('SIGKILL');
      const exit = await first.exited;
      const arrivedBeforeKill = receiver.requests.length;
      const pairsBeforeKill = distinctPairs();
      expect(exit.signal).toBe('SIGKILL');
      // Mid-stream: the kill came while most deliveries were still to be made.
      expect(pairsBeforeKill).toBeLessThan(PAIRS);
      await publishing;

      // The killed member keeps its partitions until its Kafka session times out (8 s), so the new
      // process joins the group, and reports ready, only then (it answers /health/live at once).
      const restartedAt = Date.now();
      const pairsBeforeRestart = new Set(receiver.requests.map(pairOf));
      const second = await startKilled();
      const readyAt = Date.now();
      await waitFor(
        `all ${PAIRS} (subscription, event) pairs to arrive after the restart`,
        () => {
          if (second.process.exitCode !== null)
            throw new Error(`restarted ${killed} exited:\n${second.output()}`);
          return distinctPairs() === PAIRS;
        },
        150_000,
        100,
      );
      const finishedAt = Date.now();
      // Recovery is bounded: within 10 s of the restarted service being up, it has joined its group
      // and new (subscription, event) pairs arrive again.
      const liveAt = second.liveAt ?? restartedAt;
      const resumedAt = receiver.requests
        .filter(
          (request) => request.receivedAt >= liveAt && !pairsBeforeRestart.has(pairOf(request)),
        )
        .reduce((first, request) => Math.min(first, request.receivedAt), Infinity);
      expect(readyAt - liveAt).toBeLessThanOrEqual(10_000);
      expect(resumedAt - liveAt).toBeLessThanOrEqual(10_000);

      const byPair = new Map<string, ReceivedRequest[]>();
      for (const request of receiver.requests) {
        const pair = pairOf(request);
        byPair.set(pair, [...(byPair.get(pair) ?? []), request]);
      }
      for (const { path, secret, id } of subscriptions) {
        for (let seq = 0; seq < EVENTS; seq++) {
          const requests = byPair.get(`${path}#${seq}`);
          expect(requests).toBeDefined();
          // Each copy is authentic, for this subscription, and the same delivery.
          for (const request of requests ?? []) {
            expect(verifyWebhook<DeliveredBody>(secret, request)).toMatchObject({
              subscription_id: id,
              data: { seq },
            });
          }
          const copies = requests ?? [];
          expect(new Set(copies.map((r) => r.headers['webhook-id'])).size).toBe(1);
          expect(new Set(copies.map((r) => r.body)).size).toBe(1);
        }
      }
      expect(byPair.size).toBe(PAIRS);
      expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(PAIRS);
      // Deliveries went on after the restart.
      expect(receiver.requests.length).toBeGreaterThan(arrivedBeforeKill);

      // The history agrees: every delivery of the tenant ends succeeded, none pending or failed, and
      // each event was stored once.
      await waitFor('every delivery to be recorded as succeeded', async () => {
        const open = await client.request<{ data: { id: string; status: string }[] }>(
          'GET',
          '/v1/deliveries?status=pending,retrying,failed,dead&limit=100',
        );
        return open.status === 200 && open.body.data.length === 0;
      });

      // Duplicates are what the killed process had sent (or emitted) above its last committed offset.
      const duplicates = receiver.requests.length - PAIRS;
      process.stderr.write(
        `no-loss (${killed}): dist/ built in ${buildMs} ms; ${pairsBeforeKill}/${PAIRS} pairs (${arrivedBeforeKill} requests) before SIGKILL; ` +
          `up ${liveAt - restartedAt} ms after the restart began, deliveries again ${resumedAt - liveAt} ms after that; ` +
          `everything arrived ${finishedAt - restartedAt} ms after the restart began; ` +
          `${duplicates} duplicate requests\n`,
      );
    }, 240_000);
  },
);

/** What the README promises: event-ingest sees a subscription change within two seconds of the API's answer. */
const CHANGE_REACHES_INGEST_MS = 2_000;
/** Events published after the subscription changes, to show event-ingest applies them. */
const AFTER_CHANGE_EVENTS = 20;

/**
 * The subscription API is off the delivery path: killed with SIGKILL mid-stream (as its own OS
 * process; the two consuming services run in this process), deliveries go on without it; started
 * again, it is ready within the recovery bound, answers with what it stored, and a subscription change
 * made through it still reaches event-ingest's index (outbox, then changelog topic) within the promised window.
 */
describe('no loss: the subscription-api is killed with SIGKILL mid-stream and restarted', () => {
  let herald: RunningHerald;
  let receiver: SlowReceiver;
  let producer: Producer;
  const children: ServiceProcess[] = [];

  async function startApi(): Promise<ServiceProcess> {
    const service = await startServiceProcess(
      'subscription-api',
      {
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        DATABASE_URL: process.env.DATABASE_URL,
        HERALD_ENCRYPTION_KEY: process.env.HERALD_TEST_ENCRYPTION_KEY,
        HERALD_ADMIN_TOKEN: herald.config.auth.adminToken ?? undefined,
        HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true',
        HERALD_TOPIC_PARTITIONS: String(herald.config.kafka.topicPartitions),
        HERALD_RETRY_SCHEDULE: herald.config.delivery.retrySchedule
          .map((ms) => `${ms}ms`)
          .join(','),
      },
      60_000,
    );
    children.push(service);
    return service;
  }

  beforeAll(async () => {
    buildDist();
    herald = await startHerald(undefined, { services: KILLED, api: false });
    receiver = new SlowReceiver();
    await receiver.start();
    producer = new Kafka({
      brokers: herald.config.kafka.brokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
  }, 180_000);

  afterAll(async () => {
    for (const child of children) await stopServiceProcess(child, 'SIGKILL');
    await producer?.disconnect();
    await receiver?.stop();
    await herald?.stop();
  });

  it('keeps delivering while it is down, is ready within 10 s of the restart, and its changes reach event-ingest within 2 s', async () => {
    // The two consuming services.
    expect(herald.apps).toHaveLength(2);
    let api = await startApi();
    const apiUrl = (): string => `http://127.0.0.1:${api.port}`;
    const operator = new ApiClient(apiUrl(), herald.config.auth.adminToken);
    const { tenantId, apiKey, client: firstClient } = await operator.createTenant('no-loss-api');
    const subscriptions: { id: string; secret: string; path: string }[] = [];
    for (let index = 0; index < SUBSCRIPTIONS; index++) {
      const path = `/no-loss-api/${index}`;
      const created = await firstClient.request<{ id: string; secret: string }>(
        'POST',
        '/v1/subscriptions',
        {
          event_types: ['meter.reading'],
          destination: { type: 'webhook', url: `${receiver.url}${path}` },
        },
      );
      expect(created.status).toBe(201);
      subscriptions.push({ ...created.body, path });
    }
    for (const { id } of subscriptions) await untilIngestKnows(herald, id);

    const publish = (seqs: number[]) =>
      producer.send({
        topic: 'herald.events.inbound',
        messages: seqs.map((seq) => ({
          value: JSON.stringify({ tenant_id: tenantId, type: 'meter.reading', data: { seq } }),
        })),
      });
    const perChunk = EVENTS / CHUNKS;
    const chunkPublishedAt: number[] = [];
    const publishing = (async () => {
      for (let chunk = 0; chunk < CHUNKS; chunk++) {
        await publish(Array.from({ length: perChunk }, (_, index) => chunk * perChunk + index));
        chunkPublishedAt[chunk] = Date.now();
        await new Promise((resolve) => setTimeout(resolve, CHUNK_EVERY_MS));
      }
    })();

    const pairOf = (request: ReceivedRequest): string => {
      const body = JSON.parse(request.body) as DeliveredBody;
      return `${request.path}#${body.data.seq}`;
    };
    const pairsOfStream = (): number =>
      new Set(
        receiver.requests
          .filter((request) => (JSON.parse(request.body) as DeliveredBody).data.seq < EVENTS)
          .map(pairOf),
      ).size;

    await waitFor(
      'a fifth of the deliveries to arrive',
      () => pairsOfStream() >= PAIRS / 5,
      60_000,
      5,
    );
    api.process.kill('SIGKILL');
    const exit = await api.exited;
    const killedAt = Date.now();
    const pairsBeforeKill = pairsOfStream();
    expect(exit.signal).toBe('SIGKILL');
    expect(pairsBeforeKill).toBeLessThan(PAIRS);

    // Off the delivery path: with the API gone, the rest of the stream — events published after the
    // kill included — is delivered.
    await publishing;
    const firstChunkAfterKill = chunkPublishedAt.findIndex((at) => at >= killedAt);
    expect(firstChunkAfterKill).toBeGreaterThanOrEqual(0);
    await waitFor(
      `all ${PAIRS} (subscription, event) pairs to arrive while the API is down`,
      () => pairsOfStream() === PAIRS,
      60_000,
      50,
    );
    const streamDoneAt = Date.now();
    await expect(fetch(`${apiUrl()}/health/live`)).rejects.toThrow();

    // Started again: ready within the recovery bound of the restart, and answering with what it stored.
    const restartedAt = Date.now();
    api = await startApi();
    const readyAt = Date.now();
    expect(readyAt - restartedAt).toBeLessThanOrEqual(10_000);
    const client = new ApiClient(apiUrl(), apiKey);
    const listed = await client.request<{ data: { id: string }[] }>('GET', '/v1/subscriptions');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map(({ id }) => id).sort()).toEqual(
      subscriptions.map(({ id }) => id).sort(),
    );

    // A change made through the restarted API reaches event-ingest's index within the promised
    // window: one subscription added, one disabled.
    const ingest = herald.ingest?.get(SubscriptionIndexService);
    if (!ingest) throw new Error('no event-ingest runs in this Herald');
    const heardWithin = async (what: string, holds: () => boolean, answeredAt: number) =>
      (await waitFor(what, () => (holds() ? Date.now() : undefined), 30_000, 10)) - answeredAt;
    const addedPath = '/no-loss-api/added';
    const added = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['meter.reading'],
        destination: { type: 'webhook', url: `${receiver.url}${addedPath}` },
      },
    );
    const addedAnsweredAt = Date.now();
    expect(added.status).toBe(201);
    const addedHeardAfter = await heardWithin(
      'event-ingest to hold the added subscription as live',
      () => ingest.index.isLive(added.body.id),
      addedAnsweredAt,
    );
    const disabled = subscriptions[0];
    const patched = await client.request('PATCH', `/v1/subscriptions/${disabled.id}`, {
      enabled: false,
    });
    const disabledAnsweredAt = Date.now();
    expect(patched.status).toBe(200);
    const disabledHeardAfter = await heardWithin(
      'event-ingest to hold the disabled subscription as not live',
      () => !ingest.index.isLive(disabled.id),
      disabledAnsweredAt,
    );
    expect(addedHeardAfter).toBeLessThanOrEqual(CHANGE_REACHES_INGEST_MS);
    expect(disabledHeardAfter).toBeLessThanOrEqual(CHANGE_REACHES_INGEST_MS);

    // Events published now are matched with the changes: the added subscription gets them, the
    // disabled one does not, the other two go on.
    const later = Array.from({ length: AFTER_CHANGE_EVENTS }, (_, index) => EVENTS + index);
    await publish(later);
    const active = [...subscriptions.slice(1), { ...added.body, path: addedPath }];
    await waitFor(
      'the events published after the changes to reach the live subscriptions',
      () =>
        active.every(
          ({ path }) =>
            new Set(
              receiver.requests
                .filter((request) => request.path === path)
                .map((request) => (JSON.parse(request.body) as DeliveredBody).data.seq)
                .filter((seq) => seq >= EVENTS),
            ).size === AFTER_CHANGE_EVENTS,
        ),
      60_000,
      50,
    );

    const byPair = new Map<string, ReceivedRequest[]>();
    for (const request of receiver.requests) {
      const pair = pairOf(request);
      byPair.set(pair, [...(byPair.get(pair) ?? []), request]);
    }
    const expected = [
      ...subscriptions.map((subscription, index) => ({
        ...subscription,
        from: 0,
        seqs: index === 0 ? EVENTS : EVENTS + AFTER_CHANGE_EVENTS,
      })),
      { ...added.body, path: addedPath, seqs: AFTER_CHANGE_EVENTS, from: EVENTS },
    ];
    for (const { path, secret, id, seqs, from } of expected) {
      for (let seq = from; seq < from + seqs; seq++) {
        const copies = byPair.get(`${path}#${seq}`) ?? [];
        expect({ pair: `${path}#${seq}`, delivered: copies.length > 0 }).toEqual({
          pair: `${path}#${seq}`,
          delivered: true,
        });
        for (const request of copies) {
          expect(verifyWebhook<DeliveredBody>(secret, request)).toMatchObject({
            subscription_id: id,
            data: { seq },
          });
        }
        expect(new Set(copies.map((r) => r.headers['webhook-id'])).size).toBe(1);
        expect(new Set(copies.map((r) => r.body)).size).toBe(1);
      }
    }
    // Nothing else: the disabled subscription got none of the later events, the added one none before.
    const pairs = expected.reduce((sum, { seqs }) => sum + seqs, 0);
    expect(byPair.size).toBe(pairs);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(pairs);

    process.stderr.write(
      `no-loss (subscription-api): ${pairsBeforeKill}/${PAIRS} pairs before SIGKILL; the rest ` +
        `delivered ${streamDoneAt - killedAt} ms after it with the API down; restarted API ready ` +
        `${readyAt - restartedAt} ms after the restart began (live after ${(api.liveAt ?? readyAt) - restartedAt} ms); ` +
        `event-ingest held an added subscription ${addedHeardAfter} ms and a disabled one ` +
        `${disabledHeardAfter} ms after the API's answer; ${receiver.requests.length - pairs} duplicate requests\n`,
    );
  }, 240_000);
});
