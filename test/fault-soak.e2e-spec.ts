import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
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
import { RETRY_JITTER } from '@herald/domain';
import { ApiClient, appUrl, testConfig, waitFor } from '@herald/testing';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';
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
/** The retry schedule the services run with (seconds): the delay after the 1st, 2nd, … failed attempt. */
const RETRY_SCHEDULE_S = [1, 2, 4, 8, 15, 30];
/** A healed receiver's pace is back once every new event reaches it within this, or twice its pre-fault latency. */
const PACE_LATENCY_FLOOR_MS = 1_000;
/** …for at least this many events in a row (two seconds of the stream). */
const PACE_EVENTS = 20;

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
 * it gave, and when each failed attempt came.
 */
class FaultyReceiver {
  readonly delivered = new Map<string, Delivered[]>();
  readonly modes = new Map<string, Mode>();
  /** Every attempt not answered 2xx (500, reset, hang), by path: its event and when it came. */
  readonly failed = new Map<string, { seq: number; at: number }[]>();
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      const mode = this.modes.get(path) ?? 'ok';
      const body = Buffer.concat(chunks).toString('utf8');
      const seq = (JSON.parse(body) as { data: { seq: number } }).data.seq;
      if (mode !== 'ok') {
        const failed = this.failed.get(path) ?? [];
        failed.push({ seq, at: Date.now() });
        this.failed.set(path, failed);
      }
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

  /** How many attempts at `seq` on `path` failed. */
  failures(path: string, seq: number): number {
    return (this.failed.get(path) ?? []).filter((attempt) => attempt.seq === seq).length;
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

/** Whether something listens on a loopback port (false once a killed server's sockets are gone). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

interface Probe {
  service: string;
  startedAt: number;
  endedAt: number;
  /** 0: no answer at all. */
  status: number;
  checks: Record<string, string>;
}

/**
 * Asks every service's `/health/ready` over and over, as an orchestrator's probe would, and keeps
 * each answer with when it was asked and answered.
 */
function watchReadiness(urls: Record<string, string>): {
  probes: Probe[];
  stop(): Promise<void>;
} {
  const probes: Probe[] = [];
  let watching = true;
  const loops = Object.entries(urls).map(async ([service, url]) => {
    while (watching) {
      const startedAt = Date.now();
      let status = 0;
      let checks: Record<string, string> = {};
      try {
        const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
        status = response.status;
        checks = ((await response.json()) as { checks?: Record<string, string> }).checks ?? {};
      } catch {
        // no answer: recorded as status 0
      }
      probes.push({ service, startedAt, endedAt: Date.now(), status, checks });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  return {
    probes,
    stop: async () => {
      watching = false;
      await Promise.all(loops);
    },
  };
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
    HERALD_RETRY_SCHEDULE: RETRY_SCHEDULE_S.map((step) => `${step}s`).join(','),
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
    // Restarted 4 s after a kill, not 1: long enough to probe every service's readiness while the
    // component is down for certain.
    const restart = {
      signal: noMoreRestarts.signal,
      backoff: { firstDelayMs: 4_000, maxDelayMs: 30_000, stableAfterMs: 60_000 },
    };
    [kafka, postgres] = await Promise.all([
      startLocalKafka({ dataDir: join(dir, 'kafka'), fresh: true, heapMb: 384, restart }),
      startLocalPostgres({ dataDir: join(dir, 'postgres'), fresh: true, restart }),
    ]);
    await runMigrations(postgres.url);
    herald = await startHerald(
      testConfig({ ...settings, KAFKA_BROKERS: kafka.brokers, DATABASE_URL: postgres.url }),
      { services: ['event-ingest'] },
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
    const operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    const { tenantId, client } = await operator.createTenant('fault-soak');
    const paths = ['/steady', '/errors', '/resets', '/hangs'];
    for (const path of paths) {
      const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
        event_types: ['soak.tick'],
        destination: { type: 'webhook', url: `${receiver.url}${path}` },
      });
      expect(created.status).toBe(201);
      await untilIngestKnows(herald, created.body.id);
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

    /**
     * How each healed receiver recovered, in ms: `lateBeyondRetry`, the most any event it missed
     * arrived after healing beyond the retry step it was waiting in (by its failed attempts, with the
     * schedule's most jitter; none for an event never tried); `paceAfter`, how long after healing new
     * events reached it again as fast as before the fault — each of them, from then on, within twice
     * the slowest pre-fault delivery (at least 1 s).
     */
    const receiverRecoveries = (
      faulty: string[],
      faultAt: number,
      healedAt: number,
    ): Record<string, { firstAfter: number; lateBeyondRetry: number; paceAfter: number }> => {
      const recovered: Record<
        string,
        { firstAfter: number; lateBeyondRetry: number; paceAfter: number }
      > = {};
      const latency = (path: string, seq: number): number =>
        (receiver.firstDelivery(path, seq) ?? Infinity) - publishedAt[seq];
      for (const path of faulty) {
        let firstAfter = Infinity;
        let lateBeyondRetry = -Infinity;
        for (let seq = 0; seq < publishedAt.length && publishedAt[seq] < healedAt; seq++) {
          const deliveredAt = receiver.firstDelivery(path, seq) ?? Infinity;
          if (deliveredAt < healedAt) continue;
          firstAfter = Math.min(firstAfter, deliveredAt - healedAt);
          const failures = receiver.failures(path, seq);
          const stepMs = failures === 0 ? 0 : RETRY_SCHEDULE_S[failures - 1] * 1_000;
          const dueBy = stepMs + Math.floor(stepMs * RETRY_JITTER);
          lateBeyondRetry = Math.max(lateBeyondRetry, deliveredAt - healedAt - dueBy);
        }
        const before = publishedAt
          .map((at, seq) => ({ at, seq }))
          .filter(({ at }) => at >= faultAt - 4_000 && at < faultAt - 1_000);
        const paceLatency = Math.max(
          PACE_LATENCY_FLOOR_MS,
          2 * Math.max(...before.map(({ seq }) => latency(path, seq))),
        );
        // The events published since healing that have had time to arrive at that pace.
        const since = publishedAt
          .map((at, seq) => ({ at, seq }))
          .filter(({ at }) => at >= healedAt && at <= Date.now() - paceLatency);
        let first = since.length;
        while (first > 0 && latency(path, since[first - 1].seq) <= paceLatency) first--;
        recovered[path] = {
          firstAfter,
          lateBeyondRetry,
          paceAfter:
            since.length - first >= PACE_EVENTS
              ? (receiver.firstDelivery(path, since[first].seq) ?? Infinity) - healedAt
              : Infinity,
        };
      }
      return recovered;
    };
    // startHerald runs the API first, then the services asked for, in that order.
    const inProcess = ['subscription-api', 'event-ingest'];
    expect(herald.apps).toHaveLength(inProcess.length);
    /** Per component and service, how long after the component was back the service was ready. */
    const readiness: Record<string, number> = {};
    /** Per component and service, how many probes answered while the component was down for certain. */
    const notReadyWhileDown: Record<string, number> = {};

    // 1. Three receivers fail for 15 s: one answers 500, one resets every connection, one hangs.
    await sleep(5_000);
    const faultAt = Date.now();
    const faulty = ['/errors', '/resets', '/hangs'];
    receiver.modes.set('/errors', 'error');
    receiver.modes.set('/resets', 'reset');
    receiver.modes.set('/hangs', 'hang');
    await sleep(15_000);
    receiver.modes.clear();
    const healedAt = Date.now();
    // What they missed arrives once its retry is due: every event published before they healed.
    const missed = publishedAt.filter((at) => at < healedAt).length;
    await waitFor(
      `the ${missed} events published before the receivers healed to reach them`,
      () =>
        faulty.every((path) => {
          const seqs = new Set((receiver.delivered.get(path) ?? []).map((d) => d.seq));
          return Array.from({ length: missed }, (_, seq) => seq).every((seq) => seqs.has(seq));
        }),
      60_000,
      100,
    );
    // Enough of the stream after healing to tell whether its pace came back within the bound.
    await sleep(Math.max(0, healedAt + RECOVERY_BOUND_MS + 4_000 - Date.now()));
    const receiverRecovery = receiverRecoveries(faulty, faultAt, healedAt);

    // 2. The deliverer is killed and started again 2 s later.
    deliverer.process.kill('SIGKILL');
    await deliverer.exited;
    await sleep(2_000);
    deliverer = await startDeliverer();
    recoveries.deliverer = await recoveryAfter('deliverer', deliverer.liveAt ?? Date.now());

    /**
     * Kills the broker or PostgreSQL while every service's readiness is watched. While the component
     * does not even accept connections, every service answers 503 naming it; once `isBack` (it
     * serves a request again), every service is ready again within the recovery bound.
     */
    const outage = async (
      component: 'kafka' | 'postgres',
      port: number,
      kill: () => void,
      isBack: () => Promise<boolean>,
    ): Promise<number> => {
      const urls: Record<string, string> = {
        ...Object.fromEntries(herald.apps.map((app, index) => [inProcess[index], appUrl(app)])),
        deliverer: `http://127.0.0.1:${deliverer.port}`,
      };
      const services = Object.keys(urls);
      const watch = watchReadiness(urls);
      try {
        kill();
        const downSince = await waitFor(
          `${component} to refuse connections`,
          async () => !(await accepts(port)) && Date.now(),
          10_000,
          20,
        );
        // Until the start of the last check it refused: down for certain in between.
        let downUntil = downSince;
        await waitFor(
          `${component} to accept connections again`,
          async () => {
            const checkedAt = Date.now();
            if (await accepts(port)) return true;
            downUntil = checkedAt;
            return false;
          },
          120_000,
          50,
        );
        const backAt = await waitFor(
          `${component} to be back`,
          async () => (await isBack()) && Date.now(),
          120_000,
          200,
        );
        const readyAgain = await waitFor(
          `every service to be ready again after the ${component} outage`,
          () => {
            const ready = new Map<string, number>();
            for (const probe of watch.probes)
              if (probe.startedAt >= downSince && probe.status === 200 && !ready.has(probe.service))
                ready.set(probe.service, probe.endedAt - backAt);
            return ready.size === services.length ? ready : undefined;
          },
          60_000,
          100,
        );
        await watch.stop();
        for (const service of services) {
          const during = watch.probes.filter(
            (probe) =>
              probe.service === service &&
              probe.startedAt >= downSince &&
              probe.endedAt <= downUntil,
          );
          // Probed while the component was down for certain, and every answer then said not ready.
          expect({ service, component, probedWhileDown: during.length > 0 }).toEqual({
            service,
            component,
            probedWhileDown: true,
          });
          for (const probe of during)
            expect({
              service,
              status: probe.status,
              [component]: probe.checks[component] !== 'ok',
            }).toEqual({ service, status: 503, [component]: true });
          readiness[`${component} ${service}`] = readyAgain.get(service) ?? Infinity;
          notReadyWhileDown[`${component} ${service}`] = during.length;
        }
        return backAt;
      } finally {
        await watch.stop();
      }
    };

    // 3. The broker is killed; it is started again on the same port and data.
    await sleep(3_000);
    const admin = new Kafka({ brokers: [kafka.brokers], logLevel: logLevel.NOTHING }).admin();
    const brokerBack = await outage(
      'kafka',
      Number(kafka.brokers.split(':')[1]),
      () => process.kill(kafka.pid, 'SIGKILL'),
      async () => {
        await admin.connect();
        await admin.describeCluster();
        return true;
      },
    );
    await admin.disconnect();
    recoveries.broker = await recoveryAfter('broker', brokerBack);

    // 4. PostgreSQL is killed; it is started again on the same port and data.
    await sleep(3_000);
    const postgresBack = await outage(
      'postgres',
      Number(new URL(postgres.url).port),
      () => process.kill(postgres.pid, 'SIGKILL'),
      async () => {
        const probe = new Client({ connectionString: postgres.url });
        try {
          await probe.connect();
          await probe.query('SELECT 1');
          return true;
        } finally {
          await probe.end().catch(() => undefined);
        }
      },
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
    // Each healed receiver got what it missed within the retry step it was waiting in plus the bound,
    // and new events at the pre-fault pace within the bound of healing.
    for (const [path, { lateBeyondRetry, paceAfter }] of Object.entries(receiverRecovery)) {
      expect({
        path,
        lateBeyondRetry,
        paceAfter,
        bounded: lateBeyondRetry <= RECOVERY_BOUND_MS && paceAfter <= RECOVERY_BOUND_MS,
      }).toEqual({ path, lateBeyondRetry, paceAfter, bounded: true });
    }
    // Each service was ready again within the bound of the broker, then PostgreSQL, being back.
    for (const [service, took] of Object.entries(readiness)) {
      expect({ service, took, bounded: took <= RECOVERY_BOUND_MS }).toEqual({
        service,
        took,
        bounded: true,
      });
    }

    // Nothing is left waiting: in the deliverer (retry topics included) and in event-ingest.
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
        `(ms): ${JSON.stringify(recoveries)}; healed receivers (ms): ` +
        `${JSON.stringify(receiverRecovery)}; ready again after the component was back (ms): ` +
        `${JSON.stringify(readiness)}; 503 answers while it was down: ` +
        `${JSON.stringify(notReadyWhileDown)}; ${duplicates} duplicate deliveries\n`,
    );
  }, 600_000);
});
