import { fork } from 'node:child_process';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { Agent, request } from 'undici';
import { generateSigningSecret, signatureHeaders } from '@herald/domain';
// Loaded for its fix of kafkajs's idle 1 ms timer loop (libs/kafka/src/request-queue-fix.ts): the
// bench's own clients must not spin beside the services it measures.
import '@herald/kafka';
import type { BenchEventData } from './receiver';

/**
 * The load of the end-to-end benchmark, each run in a fresh process of its own so its CPU shows
 * apart from Herald's and the receiver's: a kafkajs producer publishing events to
 * `herald.events.inbound` (as fast as it can, or at a fixed rate), and the ceiling, a bare keep-alive
 * undici POST loop to the receiver.
 */

export const INBOUND_TOPIC = 'herald.events.inbound';
export const EVENT_TYPE = 'bench.meter_reading';
/** Producer keys, so inbound events spread over partitions as a busy producer's would. */
const KEYS = 64;
const BATCH = 500;
const IN_FLIGHT = 4;

export interface PublishPlan {
  brokers: string[];
  tenantId: string;
  run: string;
  count: number;
  /** Events per second; null publishes as fast as the broker takes them. */
  ratePerSecond: number | null;
  /**
   * Events published first, at the same rate under a run of their own: at least `minCount`, and on
   * until the parent says `go` (it waits until Herald keeps up). The measured events follow without a
   * pause, on a pipeline (and a producer) already running at the rate. The parent hears `measuring`
   * when the lead-in is over, and its report tells how many it held.
   */
  leadIn?: { run: string; minCount: number };
}

/** What the load process tells its parent before its report: the measured events start now. */
export interface MeasuringSignal {
  measuring: true;
  /** Events the lead-in published. */
  leadIn: number;
}

/** What the parent tells a load process with a lead-in: the measured events may start. */
export const GO = 'go';

export interface PublishReport {
  published: number;
  startedAt: number;
  finishedAt: number;
  cpuSeconds: number;
  /** Largest shortfall against the schedule of a fixed rate, in events. */
  maxBehind: number;
}

export interface CeilingPlan {
  url: string;
  seconds: number;
  concurrency: number;
  run: string;
}

export interface CeilingReport {
  requests: number;
  seconds: number;
  perSecond: number;
  failures: number;
  cpuSeconds: number;
}

/** The event's `data`: the run's fields and a meter reading, about 300 bytes. */
function eventData(data: BenchEventData): Record<string, unknown> {
  const i = Math.max(0, data.seq);
  return {
    ...data,
    meter_id: `m-${i % 1000}`,
    site: { id: `site-${i % 7}`, name: 'Riverside community solar', tz: 'Europe/London' },
    readings: Array.from({ length: 3 }, (_, k) => ({
      at: `2026-01-01T00:${String(k * 5).padStart(2, '0')}:00Z`,
      watts: 1200 + ((i * 7 + k) % 400),
    })),
  };
}

/** An inbound event as a meter backfill would publish it (about 450 bytes). */
export function benchEvent(tenantId: string, data: BenchEventData): Buffer {
  const i = Math.max(0, data.seq);
  return Buffer.from(
    JSON.stringify({
      tenant_id: tenantId,
      type: EVENT_TYPE,
      subject: `node/${i % 50}/source/site-${i % 7}/inv-${i % 3}`,
      data: eventData(data),
    }),
  );
}

const cpuSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function publish(plan: PublishPlan): Promise<PublishReport> {
  const producer = new Kafka({
    clientId: 'herald-bench-load',
    brokers: plan.brokers,
    logLevel: logLevel.NOTHING,
  }).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let run = plan.run;
  const message = (seq: number): Message => ({
    key: `k${seq % KEYS}`,
    value: benchEvent(plan.tenantId, { run, seq, sent_at: Date.now() }),
  });
  const send = async (from: number, to: number): Promise<void> => {
    const messages: Message[] = [];
    for (let seq = from; seq < to; seq++) messages.push(message(seq));
    await producer.send({ topic: INBOUND_TOPIC, messages });
  };
  let maxBehind = 0;
  /**
   * Publishes `count` events at the plan's rate (or as fast as the broker takes them); with `more`,
   * on past `count` while it says so. The number published.
   */
  const publishAll = async (count: number, more = (): boolean => false): Promise<number> => {
    let next = 0;
    if (plan.ratePerSecond === null) {
      const worker = async (): Promise<void> => {
        while (next < count) {
          const from = next;
          next = Math.min(count, next + BATCH);
          await send(from, next);
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      return next;
    }
    const rate = plan.ratePerSecond;
    const startedAt = Date.now();
    const inFlight = new Set<Promise<void>>();
    while (next < count || more()) {
      const scheduled = Math.floor(((Date.now() - startedAt) * rate) / 1000);
      const due = more() ? scheduled : Math.min(count, scheduled);
      maxBehind = Math.max(maxBehind, due - next);
      // A broker that falls behind the schedule is not sent to ever harder: at most 16 requests wait.
      if (due > next && inFlight.size < 16) {
        const sending = send(next, due);
        inFlight.add(sending);
        void sending.finally(() => inFlight.delete(sending));
        next = due;
      }
      await sleep(5);
    }
    await Promise.all(inFlight);
    return next;
  };
  if (plan.leadIn) {
    let go = false;
    process.on('message', (message) => (go ||= message === GO));
    run = plan.leadIn.run;
    const leadIn = await publishAll(plan.leadIn.minCount, () => !go);
    run = plan.run;
    maxBehind = 0;
    const signal: MeasuringSignal = { measuring: true, leadIn };
    process.send?.(signal);
  }
  const cpu = process.cpuUsage();
  const startedAt = Date.now();
  await publishAll(plan.count);
  const finishedAt = Date.now();
  await producer.disconnect();
  return { published: plan.count, startedAt, finishedAt, cpuSeconds: cpuSince(cpu), maxBehind };
}

/** What apps/deliverer's WebhookSender does per request, without Herald around it. */
async function ceiling(plan: CeilingPlan): Promise<CeilingReport> {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: 128,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
    connect: { timeout: 10_000 },
  });
  const secrets = [generateSigningSecret()];
  let seq = 0;
  let failures = 0;
  let counting = false;
  let counted = 0;
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const i = seq++;
      const body = JSON.stringify({
        id: `evt_ceiling_${i}`,
        type: EVENT_TYPE,
        timestamp: new Date().toISOString(),
        subscription_id: 'ceiling',
        delivery_id: `dlv_ceiling_${i}`,
        data: eventData({ run: plan.run, seq: i, sent_at: Date.now() }),
      });
      try {
        const response = await request(plan.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Herald-Webhooks/0.1',
            ...signatureHeaders(secrets, {
              messageId: `msg_${i}`,
              timestamp: Math.floor(Date.now() / 1000),
              body,
            }),
          },
          body,
          dispatcher: agent,
          signal: AbortSignal.timeout(10_000),
        });
        await response.body.text();
        if (response.statusCode !== 200) failures += 1;
        else if (counting) counted += 1;
      } catch {
        failures += 1;
      }
    }
  };
  const workers = Array.from({ length: plan.concurrency }, worker);
  await sleep(1_000); // warm-up: connections open, JIT warm
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  counting = true;
  await sleep(plan.seconds * 1_000);
  counting = false;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = cpuSince(cpu);
  stop = true;
  await Promise.all(workers);
  await agent.close();
  return { requests: counted, seconds, perSecond: counted / seconds, failures, cpuSeconds };
}

/** How the parent ends a publish load's lead-in, and hears that it ended. */
export interface LeadInControl {
  /** Settles when the measured events may start. */
  done: Promise<void>;
  /** The measured events start now; the lead-in published `events`. */
  measuring(events: number): void;
}

/** Runs one load in a fresh child process; `onStart` gets its pid (to sample it). */
export function runLoad(
  role: 'publish',
  plan: PublishPlan,
  onStart?: (pid: number) => void,
  leadIn?: LeadInControl,
): Promise<PublishReport>;
export function runLoad(
  role: 'ceiling',
  plan: CeilingPlan,
  onStart?: (pid: number) => void,
): Promise<CeilingReport>;
export function runLoad(
  role: 'publish' | 'ceiling',
  plan: PublishPlan | CeilingPlan,
  onStart?: (pid: number) => void,
  leadIn?: LeadInControl,
): Promise<PublishReport | CeilingReport> {
  const child = fork(__filename, [role, JSON.stringify(plan)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (child.pid) onStart?.(child.pid);
  void leadIn?.done.then(() => child.connected && child.send(GO));
  return new Promise((resolve, reject) => {
    child.on('message', (message: PublishReport | CeilingReport | MeasuringSignal) => {
      if ('measuring' in message) leadIn?.measuring(message.leadIn);
      else resolve(message);
    });
    child.once('exit', (code) => reject(new Error(`the ${role} load exited with ${code}`)));
  });
}

if (require.main === module) {
  const [role, plan] = process.argv.slice(2);
  const work =
    role === 'publish'
      ? publish(JSON.parse(plan) as PublishPlan)
      : role === 'ceiling'
        ? ceiling(JSON.parse(plan) as CeilingPlan)
        : Promise.reject(new Error(`unknown role ${role}`));
  work.then(
    (report) => process.send?.(report, undefined, {}, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(
        `load ${role}: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exit(1);
    },
  );
  process.on('disconnect', () => process.exit(1));
}
