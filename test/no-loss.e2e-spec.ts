import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { ApiClient, verifyWebhook, waitFor, type ReceivedRequest } from '@herald/testing';
import { startHerald, untilMatcherKnows, type RunningHerald } from './support/herald-harness';
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

/** The three consuming services, each killed in turn; the others run in the test's process. */
const KILLED: readonly Exclude<ServiceRole, 'subscription-api'>[] = [
  'deliverer',
  'matcher',
  'event-ingest',
];

/**
 * At least once across a crash: one consuming service, compiled and run as its own OS process (as
 * `npm start` and the images run it), is killed with SIGKILL half-way through a stream of events and
 * started again. The subscription API and the other two services run in this process.
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
          HERALD_TOPIC_PARTITIONS: String(herald.config.topicPartitions),
          HERALD_RETRY_SCHEDULE: herald.config.retrySchedule.map((ms) => `${ms}ms`).join(','),
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
        brokers: herald.config.kafkaBrokers,
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
      expect(herald.apps).toHaveLength(3);
      const operator = new ApiClient(herald.apiUrl, herald.config.adminToken);
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
      if (killed !== 'matcher')
        for (const { id } of subscriptions) await untilMatcherKnows(herald, id);

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
