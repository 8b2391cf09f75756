import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Client } from 'pg';
import {
  startLocalKafka,
  startLocalPostgres,
  type LocalKafka,
  type LocalPostgres,
} from '@herald/local-infra';
import { runMigrations } from '@herald/persistence';
import { ApiClient, appUrl, testConfig, waitFor } from '@herald/testing';
import { startHerald, untilMatcherKnows, type RunningHerald } from './support/herald-harness';
import {
  buildDist,
  startServiceProcess,
  stopServiceProcess,
  type ServiceProcess,
} from './support/service-process';

/** One event every this often, for the whole run: the stream goes on through every fault. */
const PUBLISH_EVERY_MS = 100;
/** Faults are bounded: a new event's delivery completes within this of the component being back. */
const RECOVERY_BOUND_MS = 10_000;
/** What "near zero" is for the oldest due message once everything is delivered. */
const SETTLED_OLDEST_DUE_S = 2;

type Mode = 'ok' | 'error' | 'reset' | 'hang';

interface Delivered {
  seq: number;
  webhookId: string;
  body: string;
  at: number;
}

/**
 * A webhook receiver on loopback whose paths can answer 200, answer 500, reset the connection (the
 * request read, the socket destroyed without an answer) or hang (never answer). It keeps every 2xx
 * it gave.
 */
class FaultyReceiver {
  readonly delivered = new Map<string, Delivered[]>();
  readonly modes = new Map<string, Mode>();
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      const mode = this.modes.get(path) ?? 'ok';
      if (mode === 'reset') {
        req.socket.destroy();
        return;
      }
      // Never answers: the deliverer's timeout ends the attempt (the socket closes with the server).
      if (mode === 'hang') return;
      if (mode === 'error') {
        res.writeHead(500).end('down for now');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const seq = (JSON.parse(body) as { data: { seq: number } }).data.seq;
      const list = this.delivered.get(path) ?? [];
      list.push({ seq, webhookId: String(req.headers['webhook-id']), body, at: Date.now() });
      this.delivered.set(path, list);
      res.writeHead(200).end('ok');
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** When `seq` was first delivered to `path` (epoch ms), if it was. */
  firstDelivery(path: string, seq: number): number | undefined {
    return this.delivered.get(path)?.find((entry) => entry.seq === seq)?.at;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The largest value of a metric in a Prometheus text exposition. */
function largest(exposition: string, metric: string): number | null {
  let result: number | null = null;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) result = result === null ? value : Math.max(result, value);
  }
  return result;
}

/**
 * Faults mixed for a couple of minutes on one running Herald, with its own broker and database (so
 * they can be killed): receivers answering 500, resetting connections and hanging, then the deliverer, the
 * broker and PostgreSQL killed with SIGKILL and brought back — while events keep coming. Every
 * (subscription, event) pair is delivered, duplicates repeat their webhook-id, deliveries resume
 * within the recovery bound after each fault, and nothing is left waiting at the end.
 */
describe('fault soak: faults one after another under a steady stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-fault-soak-'));
  const noMoreRestarts = new AbortController();
  const encryptionKey = randomBytes(32).toString('base64');
  const settings = {
    HERALD_TOPIC_PARTITIONS: '3',
    // Long enough that a 15 s receiver outage is retried past, never dead-lettered.
    HERALD_RETRY_SCHEDULE: '1s,2s,4s,8s,15s,30s',
    HERALD_CIRCUIT_BREAKER_THRESHOLD: '1000',
    HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true',
    HERALD_ENCRYPTION_KEY: encryptionKey,
    // A receiver that hangs costs an attempt 2 s, not the default 10.
    HERALD_DELIVERY_TIMEOUT_MS: '2000',
  };
  let kafka: LocalKafka;
  let postgres: LocalPostgres;
  let herald: RunningHerald;
  let receiver: FaultyReceiver;
  let producer: Producer;
  const deliverers: ServiceProcess[] = [];

  async function startDeliverer(): Promise<ServiceProcess> {
    const service = await startServiceProcess(
      'deliverer',
      { ...settings, KAFKA_BROKERS: kafka.brokers, DATABASE_URL: postgres.url },
      90_000,
    );
    deliverers.push(service);
    return service;
  }

  beforeAll(async () => {
    buildDist();
    const restart = { signal: noMoreRestarts.signal };
    [kafka, postgres] = await Promise.all([
      startLocalKafka({ dataDir: join(dir, 'kafka'), fresh: true, heapMb: 384, restart }),
      startLocalPostgres({ dataDir: join(dir, 'postgres'), fresh: true, restart }),
    ]);
    await runMigrations(postgres.url);
    herald = await startHerald(
      testConfig({ ...settings, KAFKA_BROKERS: kafka.brokers, DATABASE_URL: postgres.url }),
      { services: ['event-ingest', 'matcher'] },
    );
    receiver = new FaultyReceiver();
    await receiver.start();
    producer = new Kafka({
      clientId: 'fault-soak-producer',
      brokers: [kafka.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
    }).producer();
    await producer.connect();
  }, 240_000);

  afterAll(async () => {
    noMoreRestarts.abort();
    for (const deliverer of deliverers) await stopServiceProcess(deliverer, 'SIGKILL');
    await producer?.disconnect().catch(() => undefined);
    await receiver?.stop();
    await herald?.stop();
    await Promise.all([kafka?.stop(), postgres?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every pair, resumes within 10 s of each component being back, and leaves nothing waiting', async () => {
    const operator = new ApiClient(herald.apiUrl, herald.config.adminToken);
    const { tenantId, client } = await operator.createTenant('fault-soak');
    const paths = ['/steady', '/errors', '/resets', '/hangs'];
    for (const path of paths) {
      const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
        event_types: ['soak.tick'],
        destination: { type: 'webhook', url: `${receiver.url}${path}` },
      });
      expect(created.status).toBe(201);
      await untilMatcherKnows(herald, created.body.id);
    }
    let deliverer = await startDeliverer();

    // The stream: one event at a time, each with its own id, sent again until the broker takes it
    // (a send that failed but was written is the same event, which Herald stores once).
    const publishedAt: number[] = [];
    let streaming = true;
    const stream = (async () => {
      for (let seq = 0; streaming; seq++) {
        for (;;) {
          try {
            await producer.send({
              topic: 'herald.events.inbound',
              messages: [
                {
                  value: JSON.stringify({
                    id: `soak-${seq}`,
                    tenant_id: tenantId,
                    type: 'soak.tick',
                    data: { seq },
                  }),
                },
              ],
            });
            break;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
        publishedAt[seq] = Date.now();
        await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS));
      }
    })();
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

    /** How long after `backAt` the first event published from then on reached /steady. */
    const recoveryAfter = async (fault: string, backAt: number): Promise<number> => {
      const first = await waitFor(`an event published after the ${fault} fault`, () => {
        const seq = publishedAt.findIndex((at) => at !== undefined && at >= backAt);
        return seq >= 0 ? seq : undefined;
      });
      const deliveredAt = await waitFor(
        `event ${first} to reach /steady after the ${fault} fault`,
        () => receiver.firstDelivery('/steady', first),
        60_000,
        50,
      );
      return deliveredAt - Math.max(backAt, publishedAt[first]);
    };
    const recoveries: Record<string, number> = {};

    // 1. Three receivers fail for 15 s: one answers 500, one resets every connection, one hangs.
    await sleep(5_000);
    receiver.modes.set('/errors', 'error');
    receiver.modes.set('/resets', 'reset');
    receiver.modes.set('/hangs', 'hang');
    await sleep(15_000);
    receiver.modes.clear();

    // 2. The deliverer is killed and started again 2 s later.
    await sleep(5_000);
    deliverer.process.kill('SIGKILL');
    await deliverer.exited;
    await sleep(2_000);
    deliverer = await startDeliverer();
    recoveries.deliverer = await recoveryAfter('deliverer', deliverer.liveAt ?? Date.now());

    // 3. The broker is killed; it is started again on the same port and data.
    await sleep(3_000);
    const brokerPid = kafka.pid;
    process.kill(brokerPid, 'SIGKILL');
    const admin = new Kafka({ brokers: [kafka.brokers], logLevel: logLevel.NOTHING }).admin();
    const brokerBack = await waitFor(
      'the broker to be back',
      async () => {
        if (kafka.pid === brokerPid) return undefined;
        await admin.connect();
        await admin.describeCluster();
        return Date.now();
      },
      120_000,
      200,
    );
    await admin.disconnect();
    recoveries.broker = await recoveryAfter('broker', brokerBack);

    // 4. PostgreSQL is killed; it is started again on the same port and data.
    await sleep(3_000);
    const postgresPid = postgres.pid;
    process.kill(postgresPid, 'SIGKILL');
    const postgresBack = await waitFor(
      'PostgreSQL to be back',
      async () => {
        if (postgres.pid === postgresPid) return undefined;
        const probe = new Client({ connectionString: postgres.url });
        try {
          await probe.connect();
          await probe.query('SELECT 1');
          return Date.now();
        } finally {
          await probe.end().catch(() => undefined);
        }
      },
      120_000,
      200,
    );
    recoveries.postgres = await recoveryAfter('postgres', postgresBack);

    await sleep(3_000);
    streaming = false;
    await stream;
    const events = publishedAt.length;

    // Every (subscription, event) pair arrives, whatever it went through.
    await waitFor(
      `all ${events * paths.length} pairs to be delivered`,
      () =>
        paths.every(
          (path) => new Set((receiver.delivered.get(path) ?? []).map((d) => d.seq)).size === events,
        ),
      180_000,
      250,
    );
    for (const path of paths) {
      const bySeq = new Map<number, Delivered[]>();
      for (const delivered of receiver.delivered.get(path) ?? []) {
        bySeq.set(delivered.seq, [...(bySeq.get(delivered.seq) ?? []), delivered]);
      }
      expect(bySeq.size).toBe(events);
      // A pair delivered more than once is the same delivery: one webhook-id, one body.
      for (const copies of bySeq.values()) {
        expect(new Set(copies.map((copy) => copy.webhookId)).size).toBe(1);
        expect(new Set(copies.map((copy) => copy.body)).size).toBe(1);
      }
    }
    for (const [fault, took] of Object.entries(recoveries)) {
      expect({ fault, took, bounded: took <= RECOVERY_BOUND_MS }).toEqual({
        fault,
        took,
        bounded: true,
      });
    }

    // Nothing is left waiting: in the deliverer (retry topics included), the matcher and ingest.
    const exposures = [
      `http://127.0.0.1:${deliverer.port}/metrics`,
      ...herald.apps.map((app) => `${appUrl(app)}/metrics`),
    ];
    await waitFor(
      'the oldest due message to be near zero everywhere',
      async () => {
        for (const url of exposures) {
          const oldest = largest(
            await (await fetch(url)).text(),
            'herald_consumer_oldest_due_seconds',
          );
          if (oldest !== null && oldest > SETTLED_OLDEST_DUE_S) return false;
        }
        return true;
      },
      30_000,
      500,
    );
    const duplicates = paths.reduce(
      (sum, path) => sum + (receiver.delivered.get(path)?.length ?? 0) - events,
      0,
    );
    process.stderr.write(
      `fault soak: ${events} events × ${paths.length} subscriptions; recovery after the fault ` +
        `(ms): ${JSON.stringify(recoveries)}; ${duplicates} duplicate deliveries\n`,
    );
  }, 600_000);
});
