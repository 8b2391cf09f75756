import { loadavg } from 'node:os';
import { benchEvent, EVENT_TYPE, INBOUND_TOPIC, runLoad, type PublishReport } from './load';
import { cpuSeconds, RssSampler, treeCpuSeconds } from './proc';
import type { ReceiverClient, ReceiverStats } from './receiver';
import { SERVICES, type HeraldStack } from './stack';

/**
 * The scenarios of `npm run bench`'s end-to-end part. Each pipeline scenario gets freshly started
 * services, a tenant of its own and a run id carried in every event, so nothing of another scenario
 * counts; it publishes its events and waits until every expected (subscription, event) pair has
 * reached the receiver or its time cap has passed, whichever comes first.
 */

export const SCENARIOS = [
  'ceiling',
  'single',
  'transformed',
  'fanout',
  'steady',
  'retention',
  'strict',
  'slow',
  'slow-shared',
] as const;

/**
 * The transformed scenario's body: Openvolt's shape (its `payload` named `data` here, and its
 * `event_timestamp` named `timestamp`, which the receiver reads to attribute and time what it gets).
 */
const BENCH_TRANSFORMATION =
  '{"subscription_id": subscription_id, "event_id": event.type, "timestamp": event.occurred_at, ' +
  '"delivery_id": delivery_id, "attempt": attempt, "data": event.data}';
export type ScenarioName = (typeof SCENARIOS)[number];

interface Sizes {
  ceilingSeconds: number;
  single: { events: number; capSeconds: number };
  fanout: { events: number; subscriptions: number; capSeconds: number };
  steady: { ratePerSecond: number; seconds: number; capSeconds: number; warmUpSeconds: number };
  strict: { events: number; capSeconds: number };
  slow: { events: number; capSeconds: number; delayMs: number };
  /** Several slow endpoints on one partition, beside a fast one there (and one elsewhere). */
  slowShared: { events: number; capSeconds: number; delayMs: number; slow: number };
}

export const SIZES: Record<'full' | 'quick', Sizes> = {
  full: {
    ceilingSeconds: 10,
    single: { events: 20_000, capSeconds: 120 },
    // 100,000 deliveries, 15 s or so: 20,000 (2,000 events, until 2026-12-04) were over in under 4 s,
    // most of it the first second and a half of restarted services (JIT, pools, event-ingest and the
    // deliverer sharing the cores), and they left the memory of a real backlog untested.
    fanout: { events: 10_000, subscriptions: 10, capSeconds: 120 },
    steady: { ratePerSecond: 1_000, seconds: 30, capSeconds: 120, warmUpSeconds: 10 },
    strict: { events: 2_000, capSeconds: 60 },
    // 6,000 for the slow one, at 16 a second (its window of 32 over 2 s): a backlog three times its
    // partition's budget of 2,000 (1,000 until 2026-12-04 fitted in it, and left untested whether the
    // fast one on its partition still went on once the slow one's backlog filled that).
    slow: { events: 6_000, capSeconds: 60, delayMs: 2_000 },
    // Three slow ones on a partition: their backlogs (1,000 each at most) fill its budget of 2,000
    // together, which one alone never does.
    slowShared: { events: 6_000, capSeconds: 60, delayMs: 2_000, slow: 3 },
  },
  quick: {
    ceilingSeconds: 3,
    single: { events: 2_000, capSeconds: 40 },
    fanout: { events: 200, subscriptions: 10, capSeconds: 40 },
    steady: { ratePerSecond: 200, seconds: 10, capSeconds: 40, warmUpSeconds: 3 },
    strict: { events: 500, capSeconds: 30 },
    slow: { events: 300, capSeconds: 30, delayMs: 2_000 },
    slowShared: { events: 300, capSeconds: 30, delayMs: 2_000, slow: 3 },
  },
};

const INDEX_KNOWS_WITHIN_MS = 120_000;
const CEILING_CONCURRENCY = 64;

export interface Percentiles {
  /** Over every expected pair; null where the rank falls on a pair not delivered within the cap. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Over the delivered pairs only. */
  delivered: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
}

export interface SubscriptionResult {
  label: string;
  id: string;
  ordering: Ordering;
  delayMs: number;
  /** Counted in the scenario's figures (a deliberately slow endpoint is not). */
  measured: boolean;
  partition: number | null;
  delivered: number;
  perSecond: number;
}

export interface ScenarioResult {
  name: string;
  title: string;
  /** Pairs the measured subscriptions should receive; null for the ceiling. */
  expected: number | null;
  delivered: number;
  lost: number | null;
  duplicates: number;
  duplicatePairs: number;
  capSeconds: number | null;
  capped: boolean;
  /** From the first event published to the last pair received (or to the cap). */
  windowSeconds: number;
  deliveriesPerSecond: number;
  ratioToCeiling: number | null;
  /** Accepted by Herald (the delivered body's `timestamp`) → received; published → received. */
  latencyMs: { accepted: Percentiles; sent: Percentiles } | null;
  /** `herald_deliveries_total{outcome="deferred"}` of the deliverer, over the scenario. */
  deferrals: number | null;
  /** PostgreSQL's writes per delivery over the window (WAL bytes, committed transactions). */
  postgresPerDelivery: { walBytes: number; commits: number } | null;
  peakRssBytes: Record<string, number>;
  /** Average cores each process used over the scenario's window. */
  cpuCores: Record<string, number>;
  publish: { events: number; seconds: number; perSecond: number; maxBehind: number } | null;
  /** Measured pairs received so far, every 5 s from the first publish: where the rate fell. */
  timeline: { seconds: number; delivered: number }[];
  /** Accepted→2xx latency of what was received in each 5 s of the run (from the first publish). */
  latencyTimeline: {
    fromSeconds: number;
    received: number;
    p50: number | null;
    p99: number | null;
  }[];
  /**
   * The unmeasured warm-up before the run, when the scenario has one: how the first seconds after a
   * restart went (accepted→2xx of its events, and how long publishing them took).
   */
  coldStart?: { events: number; seconds: number; latencyMs: Percentiles | null };
  /** Unconsumed messages by topic when the scenario ended: where the pipeline stood. */
  backlogAtEnd: Record<string, number>;
  subscriptions: SubscriptionResult[];
  loadAverage: { start: number[]; end: number[] };
  notes: string[];
}

export interface ScenarioContext {
  stack: HeraldStack;
  receiver: ReceiverClient;
  sizes: Sizes;
  ceilingPerSecond: number | null;
  log: (line: string) => void;
}

type Ordering = 'best_effort' | 'strict';

interface SubscriptionSpec {
  label: string;
  ordering: Ordering;
  delayMs?: number;
  measured?: boolean;
  /** Where its deliveries' partition must be, relative to subscriptions created before it. */
  partition?: { sameAs: string } | { differentFrom: string[] };
  transformation?: string;
}

interface PipelineSpec {
  name: string;
  title: string;
  events: number;
  ratePerSecond: number | null;
  capSeconds: number;
  subscriptions: SubscriptionSpec[];
  /** The tenant's own retention (e.g. `10s`); unset: the default, 30 days. */
  retention?: string;
  /** Settings the services run with for this scenario only. */
  settings?: Record<string, string>;
  /**
   * Seconds of the same load, unmeasured, between the restart and the measured run, published by the
   * same load process with no pause before the measured events: a rate scenario measures a running
   * Herald (and a running load generator), not the first seconds of freshly started processes (code
   * not yet optimised, pools and caches empty), which `coldStart` in the results reports instead.
   */
  warmUpSeconds?: number;
}

interface Created extends SubscriptionSpec {
  id: string;
  /** Its partition of herald.deliveries, when its spec asked about partitions. */
  placed: number | null;
}

/** A count as the titles and notes show it: 20,000. */
const n = (count: number): string => count.toLocaleString('en');

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function percentile(sorted: readonly number[], p: number, population: number): number | null {
  if (population === 0) return null;
  const rank = Math.max(0, Math.ceil((p / 100) * population) - 1);
  return rank < sorted.length ? sorted[rank] : null;
}

const LATENCY_WINDOW_MS = Number(process.env.HERALD_BENCH_WINDOW_MS ?? 5_000);

/** p50 and p99 of the latencies received in each window after `from` (a window with none is left out). */
function latencyByWindow(
  receivedAt: readonly number[],
  latencyMs: readonly number[],
  from: number,
): ScenarioResult['latencyTimeline'] {
  const windows = new Map<number, number[]>();
  receivedAt.forEach((at, i) => {
    const index = Math.max(0, Math.floor((at - from) / LATENCY_WINDOW_MS));
    const values = windows.get(index) ?? [];
    values.push(latencyMs[i]);
    windows.set(index, values);
  });
  return [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, values]) => {
      const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
      return {
        fromSeconds: (index * LATENCY_WINDOW_MS) / 1000,
        received: values.length,
        p50: percentile(sorted, 50, sorted.length),
        p99: percentile(sorted, 99, sorted.length),
      };
    });
}

function percentiles(values: number[], expected: number): Percentiles {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50, expected),
    p95: percentile(sorted, 95, expected),
    p99: percentile(sorted, 99, expected),
    delivered: {
      p50: percentile(sorted, 50, sorted.length),
      p95: percentile(sorted, 95, sorted.length),
      p99: percentile(sorted, 99, sorted.length),
      max: sorted.length > 0 ? sorted[sorted.length - 1] : null,
    },
  };
}

/** The sum of a counter's series whose labels include `label`. */
function counterSum(metrics: string, name: string, label: string): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(label)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
    }
  }
  return total;
}

/** CPU seconds so far of the processes the scenario reports (PostgreSQL with its backends). */
function cpuNow(pids: Record<string, number>): Record<string, number> {
  const cpu: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const seconds = name === 'postgres' ? treeCpuSeconds(pid) : cpuSeconds(pid);
    if (seconds !== null) cpu[name] = seconds;
  }
  return cpu;
}

function coresBetween(
  before: Record<string, number>,
  after: Record<string, number>,
  seconds: number,
): Record<string, number> {
  const cores: Record<string, number> = {};
  for (const [name, end] of Object.entries(after)) {
    if (before[name] !== undefined) cores[name] = (end - before[name]) / seconds;
  }
  return cores;
}

/** A tenant's or the operator's view of the REST API, as a user's script would call it. */
class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }
}

async function createTenant(
  ctx: ScenarioContext,
  name: string,
  retention?: string,
): Promise<{ id: string; api: Api }> {
  const operator = new Api(ctx.stack.apiUrl, ctx.stack.adminToken);
  const tenant = await operator.call<{ id: string }>('POST', '/v1/tenants', {
    name,
    ...(retention ? { retention } : {}),
  });
  const key = await operator.call<{ key: string }>('POST', `/v1/tenants/${tenant.id}/api-keys`, {
    name: 'bench',
  });
  return { id: tenant.id, api: new Api(ctx.stack.apiUrl, key.key) };
}

/** Creates the subscriptions, again and again where one must land on a given partition. */
async function createSubscriptions(
  ctx: ScenarioContext,
  api: Api,
  specs: SubscriptionSpec[],
): Promise<Created[]> {
  const created: Created[] = [];
  for (const spec of specs) {
    for (let attempt = 1; ; attempt++) {
      const { id } = await api.call<{ id: string }>('POST', '/v1/subscriptions', {
        description: `bench ${spec.label}`,
        event_types: [EVENT_TYPE],
        destination: { type: 'webhook', url: ctx.receiver.url(spec.label, spec.delayMs) },
        ordering: spec.ordering,
        ...(spec.transformation ? { transformation: spec.transformation } : {}),
      });
      const placed = spec.partition ? await ctx.stack.deliveriesPartition(id) : null;
      const where = spec.partition;
      const fits =
        !where ||
        ('sameAs' in where
          ? created.find((other) => other.label === where.sameAs)?.placed === placed
          : created.every(
              (other) => !where.differentFrom.includes(other.label) || other.placed !== placed,
            ));
      if (fits) {
        created.push({ ...spec, id, placed });
        break;
      }
      await api.call('DELETE', `/v1/subscriptions/${id}`);
      if (attempt >= 100) throw new Error(`no subscription ${spec.label} landed where it should`);
    }
  }
  return created;
}

/**
 * Publishes a probe event of the run each second until every subscription has received one: /v1 has
 * no way to ask whether event-ingest's subscription index already knows a subscription.
 */
async function untilMatched(
  ctx: ScenarioContext,
  tenantId: string,
  run: string,
  subscriptions: Created[],
): Promise<void> {
  const deadline = Date.now() + INDEX_KNOWS_WITHIN_MS;
  for (;;) {
    await ctx.stack.producer.send({
      topic: INBOUND_TOPIC,
      messages: [
        { value: benchEvent(tenantId, { run, seq: -1, sent_at: Date.now(), probe: true }) },
      ],
    });
    for (let i = 0; i < 4; i++) {
      await sleep(250);
      const { probed } = await ctx.receiver.progress(run);
      if (subscriptions.every((subscription) => probed.includes(subscription.id))) return;
    }
    if (Date.now() > deadline) {
      throw new Error(`the subscriptions got no probe within ${INDEX_KNOWS_WITHIN_MS / 1000} s`);
    }
  }
}

/**
 * A lead-in ends once Herald keeps up with it: what the measured subscriptions received in the last
 * second took at most this long from accepted to 2xx, at the median (a backlog makes every receipt
 * late; a running Herald's median is about half of this), at KEEPING_UP_CHECKS checks in a row.
 */
const KEEPING_UP_P50_MS = 100;
const KEEPING_UP_CHECKS = 4;

/**
 * Settles once the lead-in has run its seconds and Herald keeps up with it (KEEPING_UP_P50_MS), or
 * at the scenario's cap, whichever comes first.
 */
async function keepingUp(
  ctx: ScenarioContext,
  spec: PipelineSpec,
  run: string,
  measured: Created[],
  startedAt: number,
): Promise<void> {
  const earliest = startedAt + (spec.warmUpSeconds ?? 0) * 1_000;
  const latest = startedAt + spec.capSeconds * 1_000;
  let inARow = 0;
  for (;;) {
    await sleep(500);
    const now = Date.now();
    if (now >= latest) return;
    if (now < earliest) continue;
    const stats = await ctx.receiver.stats(run, now);
    const recent = measured
      .flatMap((s) => {
        const received = stats.receivedAt[s.id] ?? [];
        return (stats.acceptedMs[s.id] ?? []).filter((_, i) => received[i] >= now - 1_000);
      })
      .sort((a, b) => a - b);
    const p50 = percentile(recent, 50, recent.length);
    inARow = p50 !== null && p50 <= KEEPING_UP_P50_MS ? inARow + 1 : 0;
    if (inARow >= KEEPING_UP_CHECKS) return;
  }
}

/**
 * How the unmeasured lead-in went: it is published by the same load process right before the
 * measured events, at the same rate under a run of its own, starting just after the restart. Read
 * once the measured run is over (by then all of it is delivered, or never will be).
 */
async function coldStartOf(
  ctx: ScenarioContext,
  run: string,
  events: number,
  seconds: number,
  measured: Created[],
): Promise<NonNullable<ScenarioResult['coldStart']>> {
  const stats = await ctx.receiver.stats(run, Date.now());
  await ctx.receiver.forget(run);
  const latencies = measured.flatMap((s) => stats.acceptedMs[s.id] ?? []);
  return { events, seconds, latencyMs: percentiles(latencies, events * measured.length) };
}

async function runPipeline(ctx: ScenarioContext, spec: PipelineSpec): Promise<ScenarioResult> {
  const run = `${spec.name}-${Date.now().toString(36)}`;
  ctx.log(`${spec.name}: ${spec.title}`);
  await ctx.stack.restartServices(spec.name, spec.settings);
  const tenant = await createTenant(ctx, `bench ${run}`, spec.retention);
  const subscriptions = await createSubscriptions(ctx, tenant.api, spec.subscriptions);
  await untilMatched(ctx, tenant.id, run, subscriptions);
  const measured = subscriptions.filter((subscription) => subscription.measured !== false);
  const expected = spec.events * measured.length;
  const leadIn = spec.warmUpSeconds
    ? {
        run: `${run}-warm`,
        minCount: Math.round((spec.ratePerSecond ?? 1_000) * spec.warmUpSeconds),
      }
    : undefined;
  ctx.log(
    `${spec.name}: ${subscriptions.length} subscription(s) matched; publishing` +
      (leadIn
        ? ` (first at least ${leadIn.minCount} events at the same rate, until Herald keeps up; not measured)`
        : ''),
  );

  let loadPid = 0;
  const pids = (): Record<string, number> => ({
    ...ctx.stack.pids(),
    receiver: ctx.receiver.pid,
    ...(loadPid ? { load: loadPid } : {}),
  });
  // PostgreSQL's memory is its backends' and shared buffers, which a per-process RSS misstates.
  const sampler = new RssSampler(
    () => Object.fromEntries(Object.entries(pids()).filter(([name]) => name !== 'postgres')),
    new Set(SERVICES),
  );
  sampler.start();
  const leadInStarted = Date.now();
  let leadInEvents = 0;
  let measuring: () => void = () => undefined;
  const measuringStarted = new Promise<void>((resolve) => (measuring = resolve));
  let publishError: unknown = null;
  let published: PublishReport | null = null;
  const publishing = runLoad(
    'publish',
    {
      brokers: ctx.stack.brokers,
      tenantId: tenant.id,
      run,
      count: spec.events,
      ratePerSecond: spec.ratePerSecond,
      ...(leadIn ? { leadIn } : {}),
    },
    (pid) => (loadPid = pid),
    leadIn && {
      done: keepingUp(ctx, spec, leadIn.run, measured, leadInStarted),
      measuring: (events) => {
        leadInEvents = events;
        measuring();
      },
    },
  ).then(
    (report) => (published = report),
    (error: unknown) => (publishError = error),
  );
  if (leadIn) await Promise.race([measuringStarted, publishing]);
  const leadInSeconds = (Date.now() - leadInStarted) / 1000;
  const deferredBefore = counterSum(
    await ctx.stack.metrics('deliverer'),
    'herald_deliveries_total',
    'outcome="deferred"',
  );
  const writesBefore = await ctx.stack.postgresWrites();
  const loadStart = loadavg();
  const cpuBefore = cpuNow(pids());
  const forkedAt = Date.now();
  const capEnd = forkedAt + spec.capSeconds * 1_000;

  let lastLog = Date.now();
  const timeline: ScenarioResult['timeline'] = [];
  while (Date.now() < capEnd && publishError === null) {
    await sleep(500);
    const { bySubscription } = await ctx.receiver.progress(run);
    const done = measured.reduce((sum, s) => sum + (bySubscription[s.id] ?? 0), 0);
    const seconds = (Date.now() - forkedAt) / 1000;
    if (seconds >= 5 * (timeline.length + 1)) timeline.push({ seconds, delivered: done });
    if (done >= expected) break;
    if (Date.now() - lastLog >= 15_000) {
      lastLog = Date.now();
      ctx.log(`${spec.name}: ${done} of ${expected} after ${Math.round(seconds)} s`);
    }
  }
  const until = Math.min(Date.now(), capEnd);
  const cpuAfter = cpuNow(pids());
  const loadEnd = loadavg();
  const deferredAfter = counterSum(
    await ctx.stack.metrics('deliverer'),
    'herald_deliveries_total',
    'outcome="deferred"',
  );
  const writesAfter = await ctx.stack.postgresWrites();
  const backlogAtEnd = await ctx.stack.lag();
  const exited = ctx.stack.exitedServices();
  await publishing;
  const peakRssBytes = sampler.stop();
  if (publishError !== null) {
    throw publishError instanceof Error ? publishError : new Error(JSON.stringify(publishError));
  }
  const report = published as PublishReport | null;
  const stats: ReceiverStats = await ctx.receiver.stats(run, until);
  await ctx.receiver.forget(run);
  const coldStart = leadIn
    ? await coldStartOf(ctx, leadIn.run, leadInEvents, leadInSeconds, measured)
    : undefined;

  const startedAt = report?.startedAt ?? forkedAt;
  const delivered = measured.reduce(
    (sum, s) => sum + (stats.bySubscription[s.id]?.distinct ?? 0),
    0,
  );
  const capped = delivered < expected;
  const lastAt = Math.max(
    startedAt,
    ...measured.map((s) => stats.bySubscription[s.id]?.lastAt ?? 0),
  );
  const windowSeconds = ((capped ? until : lastAt) - startedAt) / 1000;
  const deliveriesPerSecond = windowSeconds > 0 ? delivered / windowSeconds : 0;
  const latencies = (from: Record<string, number[]>): number[] =>
    measured.flatMap((s) => from[s.id] ?? []);
  const latencyTimeline = latencyByWindow(
    latencies(stats.receivedAt),
    latencies(stats.acceptedMs),
    startedAt,
  );
  const subscriptionResults: SubscriptionResult[] = subscriptions.map((s) => {
    const receipts = stats.bySubscription[s.id];
    const complete = (receipts?.distinct ?? 0) >= spec.events;
    const end = complete && receipts?.lastAt ? receipts.lastAt : until;
    return {
      label: s.label,
      id: s.id,
      ordering: s.ordering,
      delayMs: s.delayMs ?? 0,
      measured: s.measured !== false,
      partition: s.placed,
      delivered: receipts?.distinct ?? 0,
      perSecond: end > startedAt ? (receipts?.distinct ?? 0) / ((end - startedAt) / 1000) : 0,
    };
  });
  if (capped) ctx.log(`${spec.name}: capped at ${spec.capSeconds} s, ${delivered} of ${expected}`);
  const notes: string[] = [];
  if (capped) notes.push(`capped at ${spec.capSeconds} s`);
  for (const exit of exited) notes.push(exit);
  if (coldStart) {
    const p99 = coldStart.latencyMs?.delivered.p99;
    notes.push(
      `after ${n(coldStart.events)} events of warm-up at the same rate, the measured ones following ` +
        `without a pause (not measured; accepted→2xx p99 ` +
        `${p99 === null || p99 === undefined ? '—' : `${n(p99)} ms`} in those first ` +
        `${coldStart.seconds.toFixed(0)} s after the restart)`,
    );
  }
  if (spec.retention) {
    const kept = await ctx.stack.historyRows(tenant.id);
    notes.push(
      `history kept at the end: ${kept.events} events, ${kept.deliveries} deliveries, ` +
        `${kept.attempts} attempts of ${spec.events} each`,
    );
  }
  const cpuCores = coresBetween(cpuBefore, cpuAfter, (until - forkedAt) / 1000);
  if (report) cpuCores.load = report.cpuSeconds / ((until - forkedAt) / 1000);
  return {
    name: spec.name,
    title: spec.title,
    expected,
    delivered,
    lost: expected - delivered,
    duplicates: stats.duplicates,
    duplicatePairs: stats.duplicatePairs,
    capSeconds: spec.capSeconds,
    capped,
    windowSeconds,
    deliveriesPerSecond,
    ratioToCeiling: ctx.ceilingPerSecond ? deliveriesPerSecond / ctx.ceilingPerSecond : null,
    latencyMs: {
      accepted: percentiles(latencies(stats.acceptedMs), expected),
      sent: percentiles(latencies(stats.sentMs), expected),
    },
    deferrals: deferredAfter - deferredBefore,
    postgresPerDelivery:
      delivered > 0
        ? {
            walBytes: (writesAfter.walBytes - writesBefore.walBytes) / delivered,
            commits: (writesAfter.commits - writesBefore.commits) / delivered,
          }
        : null,
    peakRssBytes,
    cpuCores,
    publish: report && {
      events: report.published,
      seconds: (report.finishedAt - report.startedAt) / 1000,
      perSecond: report.published / Math.max(0.001, (report.finishedAt - report.startedAt) / 1000),
      maxBehind: report.maxBehind,
    },
    timeline,
    latencyTimeline,
    ...(coldStart ? { coldStart } : {}),
    backlogAtEnd,
    subscriptions: subscriptionResults,
    loadAverage: { start: loadStart, end: loadEnd },
    notes,
  };
}

async function ceiling(ctx: ScenarioContext): Promise<ScenarioResult> {
  const run = `ceiling-${Date.now().toString(36)}`;
  const seconds = ctx.sizes.ceilingSeconds;
  ctx.log(
    `ceiling: a bare keep-alive undici POST loop (${CEILING_CONCURRENCY} at once), ${seconds} s`,
  );
  let loadPid = 0;
  const sampler = new RssSampler(
    () => ({ receiver: ctx.receiver.pid, ...(loadPid ? { load: loadPid } : {}) }),
    new Set(),
  );
  const loadStart = loadavg();
  const receiverBefore = cpuSeconds(ctx.receiver.pid) ?? 0;
  sampler.start();
  const report = await runLoad(
    'ceiling',
    { url: ctx.receiver.url('ceiling'), seconds, concurrency: CEILING_CONCURRENCY, run },
    (pid) => (loadPid = pid),
  );
  const peakRssBytes = sampler.stop();
  // The receiver is busy through the loop's 1 s warm-up as well, idle before and after.
  const receiverCores =
    ((cpuSeconds(ctx.receiver.pid) ?? 0) - receiverBefore) / (report.seconds + 1);
  const stats = await ctx.receiver.stats(run, Date.now());
  await ctx.receiver.forget(run);
  return {
    name: 'ceiling',
    title: `ceiling: bare undici POST loop, ${CEILING_CONCURRENCY} at once, ${seconds} s`,
    expected: null,
    delivered: report.requests,
    lost: null,
    duplicates: stats.duplicates,
    duplicatePairs: stats.duplicatePairs,
    capSeconds: null,
    capped: false,
    windowSeconds: report.seconds,
    deliveriesPerSecond: report.perSecond,
    ratioToCeiling: 1,
    latencyMs: null,
    deferrals: null,
    postgresPerDelivery: null,
    peakRssBytes,
    cpuCores: { receiver: receiverCores, load: report.cpuSeconds / report.seconds },
    publish: null,
    timeline: [],
    latencyTimeline: [],
    backlogAtEnd: {},
    subscriptions: [],
    loadAverage: { start: loadStart, end: loadavg() },
    notes: report.failures > 0 ? [`${report.failures} requests failed`] : [],
  };
}

const fast = (label: string, extra: Partial<SubscriptionSpec> = {}): SubscriptionSpec => ({
  label,
  ordering: 'best_effort',
  ...extra,
});

export async function runScenario(
  ctx: ScenarioContext,
  name: ScenarioName,
): Promise<ScenarioResult[]> {
  const sizes = ctx.sizes;
  switch (name) {
    case 'ceiling':
      return [await ceiling(ctx)];
    case 'single':
      return [
        await runPipeline(ctx, {
          name,
          title: `1 best-effort subscription, ${n(sizes.single.events)} events at full speed`,
          events: sizes.single.events,
          ratePerSecond: null,
          capSeconds: sizes.single.capSeconds,
          subscriptions: [fast('single')],
        }),
      ];
    case 'transformed':
      return [
        await runPipeline(ctx, {
          name,
          title: `the same with a body transformation (JSONata, Openvolt's shape)`,
          events: sizes.single.events,
          ratePerSecond: null,
          capSeconds: sizes.single.capSeconds,
          subscriptions: [fast('transformed', { transformation: BENCH_TRANSFORMATION })],
        }),
      ];
    case 'fanout':
      return [
        await runPipeline(ctx, {
          name,
          title: `fan-out ${sizes.fanout.subscriptions}: ${n(sizes.fanout.events)} events × ${sizes.fanout.subscriptions} subscriptions`,
          events: sizes.fanout.events,
          ratePerSecond: null,
          capSeconds: sizes.fanout.capSeconds,
          subscriptions: Array.from({ length: sizes.fanout.subscriptions }, (_, i) =>
            fast(`fanout-${i}`),
          ),
        }),
      ];
    case 'steady':
      return [
        await runPipeline(ctx, {
          name,
          title: `${n(sizes.steady.ratePerSecond)} events/s for ${sizes.steady.seconds} s, 1 subscription`,
          events: sizes.steady.ratePerSecond * sizes.steady.seconds,
          ratePerSecond: sizes.steady.ratePerSecond,
          capSeconds: sizes.steady.capSeconds,
          warmUpSeconds: sizes.steady.warmUpSeconds,
          subscriptions: [fast('steady')],
        }),
      ];
    case 'retention': {
      // The steady stream again, its tenant keeping 10 s of history, purged every 2 s: what the
      // purge (chunked deletes beside the hot statements, and the vacuum after them) costs it.
      const { ratePerSecond, seconds, capSeconds, warmUpSeconds } = sizes.steady;
      const result = await runPipeline(ctx, {
        name,
        title: `the same with 10 s of history kept, purged every 2 s`,
        events: ratePerSecond * seconds,
        ratePerSecond,
        capSeconds,
        warmUpSeconds,
        subscriptions: [fast('retention')],
        retention: '10s',
        settings: { HERALD_RETENTION_INTERVAL: '2s' },
      });
      return [result];
    }
    case 'strict':
      return [
        await runPipeline(ctx, {
          name,
          title: `1 strict subscription, ${n(sizes.strict.events)} events at full speed`,
          events: sizes.strict.events,
          ratePerSecond: null,
          capSeconds: sizes.strict.capSeconds,
          subscriptions: [{ label: 'strict', ordering: 'strict' }],
        }),
      ];
    case 'slow': {
      const { events, capSeconds, delayMs } = sizes.slow;
      return slowBeside(ctx, {
        name: 'slow',
        events,
        capSeconds,
        delayMs,
        slow: ['slow'],
        title: (answering) =>
          `2 fast subscriptions beside a third that answers ${answering}, ${n(events)} events`,
      });
    }
    case 'slow-shared': {
      const { events, capSeconds, delayMs, slow } = sizes.slowShared;
      return slowBeside(ctx, {
        name: 'slow-shared',
        events,
        capSeconds,
        delayMs,
        slow: Array.from({ length: slow }, (_, i) => `slow-${i}`),
        title: (answering) =>
          `2 fast subscriptions beside ${slow} on one partition that answer ${answering}, ${n(events)} events`,
      });
    }
  }
}

/**
 * The fast subscriptions' rate beside slow ones, against the same subscriptions on the same partitions
 * with every endpoint answering at once: the difference is the endpoints' slowness alone, not more
 * subscriptions' matching and records (which cost the box as much whether an endpoint is slow or
 * not). The slow ones share the first one's partition, and so does one fast subscription.
 */
async function slowBeside(
  ctx: ScenarioContext,
  spec: {
    name: string;
    events: number;
    capSeconds: number;
    delayMs: number;
    slow: string[];
    title: (answering: string) => string;
  },
): Promise<ScenarioResult[]> {
  const { events, capSeconds, delayMs, slow } = spec;
  const [first] = slow;
  const subscriptions = (delay: number | undefined): SubscriptionSpec[] => [
    ...slow.map((label, i) =>
      fast(label, {
        delayMs: delay,
        measured: false,
        partition: i === 0 ? { differentFrom: [] } : { sameAs: first },
      }),
    ),
    fast('fast-same', { partition: { sameAs: first } }),
    fast('fast-other', { partition: { differentFrom: [...slow, 'fast-same'] } }),
  ];
  const without = await runPipeline(ctx, {
    name: `${spec.name}-without`,
    title: spec.title('at once'),
    events,
    ratePerSecond: null,
    capSeconds,
    subscriptions: subscriptions(undefined),
  });
  const beside = await runPipeline(ctx, {
    name: `${spec.name}-with`,
    title: `the same, answering after ${delayMs / 1000} s (one fast on their partition)`,
    events,
    ratePerSecond: null,
    capSeconds,
    subscriptions: subscriptions(delayMs),
  });
  if (without.deliveriesPerSecond > 0) {
    beside.notes.push(
      `fast ones keep ${Math.round((100 * beside.deliveriesPerSecond) / without.deliveriesPerSecond)} % of their rate`,
    );
  }
  for (const label of slow) {
    const one = beside.subscriptions.find((s) => s.label === label);
    if (one) beside.notes.push(`${label} got ${one.delivered} of ${events}`);
  }
  const same = beside.subscriptions.find((s) => s.label === 'fast-same');
  const sameWithout = without.subscriptions.find((s) => s.label === 'fast-same');
  if (same && sameWithout && sameWithout.perSecond > 0) {
    beside.notes.push(
      `the fast one on their partition keeps ${Math.round((100 * same.perSecond) / sameWithout.perSecond)} % of its rate`,
    );
  }
  return [without, beside];
}
