import { setTimeout as sleep } from 'node:timers/promises';
import { retryTopics } from '@herald/contracts';
import { ApiClient, testConfig, TopicRecorder, waitFor, WebhookReceiver } from '@herald/testing';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';

interface AttemptView {
  attempt: number;
  started_at: string;
  outcome: string;
  status_code: number | null;
  error_class: string | null;
  error_message: string | null;
}

interface DeadLetter {
  id: string;
  status: string;
  attempts: AttemptView[];
}

interface OperationalBody {
  type: string;
  data: { subscription_id: string; delivery_id: string; reason?: string };
}

const THRESHOLD = 2;
const SPENT = (made: string) =>
  `retry schedule spent while the endpoint's circuit was open (${made})`;

function session(overrides: Record<string, string>) {
  const state = {
    herald: undefined as unknown as RunningHerald,
    receiver: undefined as unknown as WebhookReceiver,
    operator: undefined as unknown as ApiClient,
  };
  beforeAll(async () => {
    state.herald = await startHerald(
      testConfig({
        HERALD_CIRCUIT_BREAKER_THRESHOLD: String(THRESHOLD),
        ...overrides,
      }),
    );
    state.receiver = await WebhookReceiver.start();
    state.receiver.respondWith((request) =>
      request.path.startsWith('/down') ? { status: 500, body: 'down' } : { status: 200 },
    );
    state.operator = new ApiClient(state.herald.apiUrl, state.herald.config.auth.adminToken);
  });
  afterAll(async () => {
    await state.receiver?.stop();
    await state.herald?.stop();
  });
  return state;
}

type Session = ReturnType<typeof session>;

/**
 * One call at a time: calls already in flight when the circuit opens are not recalled, so a window
 * wider than one would make the number of calls that reach the endpoint depend on timing.
 */
async function subscribe(
  state: Session,
  client: ApiClient,
  eventTypes: string[],
  path: string,
): Promise<string> {
  const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
    event_types: eventTypes,
    destination: { type: 'webhook', url: `${state.receiver.url}${path}` },
    max_in_flight: 1,
  });
  expect(created.status).toBe(201);
  await untilIngestKnows(state.herald, created.body.id);
  return created.body.id;
}

async function publish(client: ApiClient, prefix: string, count: number): Promise<void> {
  for (let seq = 0; seq < count; seq++) {
    const sent = await client.request('POST', '/v1/events', {
      id: `${prefix}-${seq}`,
      type: 'alarm.raised',
      data: { seq },
    });
    expect(sent.status).toBe(202);
  }
}

async function deadLetters(client: ApiClient, subscriptionId: string): Promise<DeadLetter[]> {
  const page = await client.request<{ data: DeadLetter[] }>(
    'GET',
    `/v1/dead-letters?subscription_id=${subscriptionId}&limit=100`,
  );
  expect(page.status).toBe(200);
  return page.body.data;
}

function lastAttempt(letter: DeadLetter): AttemptView {
  const last = letter.attempts[letter.attempts.length - 1];
  expect(last).toBeDefined();
  return last;
}

async function deliveryCount(client: ApiClient, subscriptionId: string): Promise<number> {
  const page = await client.request<{ data: { status: string }[] }>(
    'GET',
    `/v1/deliveries?subscription_id=${subscriptionId}&limit=100`,
  );
  return page.body.data.length;
}

/** Every dead letter of the subscription once `count` are dead; on a timeout, where the others are. */
async function allDead(
  client: ApiClient,
  subscriptionId: string,
  count: number,
  timeoutMs: number,
): Promise<{ letters: DeadLetter[] }> {
  try {
    return await waitFor(
      `${count} dead letters of ${subscriptionId}`,
      async () => {
        const letters = await deadLetters(client, subscriptionId);
        return letters.length === count && { letters };
      },
      timeoutMs,
    );
  } catch (error) {
    const page = await client.request<{ data: { status: string; attempts: number }[] }>(
      'GET',
      `/v1/deliveries?subscription_id=${subscriptionId}&limit=100`,
    );
    const states = page.body.data.map((delivery) => `${delivery.status}/${delivery.attempts}`);
    throw new Error(
      `${(error as Error).message}; deliveries (status/attempts): ${states.join(' ')}`,
    );
  }
}

/** The sum of `herald_deliveries_total{outcome="deferred"}` over destination types, on the deliverer. */
/**
 * Every trip of this subscription's deliveries through the retry topics (deferrals and retries),
 * counted from their records, so what other suites left on the shared topics does not count.
 */
async function retryTrips(
  herald: RunningHerald,
  subscriptionId: string,
): Promise<{ count(): number; stop(): Promise<void> }> {
  const recorders = await Promise.all(
    retryTopics(herald.config.delivery.retrySchedule).map((topic) =>
      TopicRecorder.start<true>(herald.config.kafka.brokers, topic.name, ({ key }) =>
        key === subscriptionId ? true : undefined,
      ),
    ),
  );
  return {
    count: () => recorders.reduce((sum, recorder) => sum + recorder.messages.length, 0),
    stop: async () => {
      await Promise.all(recorders.map((recorder) => recorder.stop()));
    },
  };
}

/**
 * An open circuit defers deliveries without using their attempts; the retry schedule still bounds
 * how long that may last. Schedule 500ms,1100ms with 1 s attempts: its longest run is
 * 500 + 50 + 1100 + 110 (delays at their most jitter) + 3 × 1000 (attempts) = 4760 ms, far shorter
 * than the circuit's 60 s. The bound is checked on the times Herald recorded, with room for a loaded
 * machine's pipeline, and the wait is long enough for one: a delivery held until the circuit's trial
 * would be given up after 60 s, and one given up too soon before the schedule's 4760 ms.
 *
 * The schedule's retry topics (`…retry.500ms`, `…retry.1100ms`) are this suite's own: suites share
 * the broker, the topic names and the deliverer's consumer group, so on a topic another suite uses
 * (`…retry.1s`) what an earlier suite left unconsumed would be handled first, ahead of these
 * deliveries, and the time measured would be partly that backlog's.
 */
describe('the retry schedule bounds the time to the DLQ while a circuit is open', () => {
  const BUDGET_MS = 4_760;
  const PIPELINE_MS = 15_000;
  const OPEN_MS = 60_000;
  const state = session({
    HERALD_RETRY_SCHEDULE: '500ms,1100ms',
    HERALD_DELIVERY_TIMEOUT_MS: '1000',
    HERALD_CIRCUIT_BREAKER_OPEN: `${OPEN_MS / 1000}s`,
  });

  it('dead-letters every delivery of an always-failing endpoint within the schedule, tells the tenant, and calls only the threshold', async () => {
    const events = 10;
    const { client } = await state.operator.createTenant('circuit bound');
    const down = await subscribe(state, client, ['alarm.raised'], '/down');
    await subscribe(state, client, ['herald.delivery.exhausted'], '/ops');

    await publish(client, 'bound', events);
    const calls = () => state.receiver.requests.filter((request) => request.path === '/down');
    const [first] = await waitFor('the first call', () => calls().length > 0 && calls());

    const { letters } = await allDead(client, down, events, BUDGET_MS + 2 * PIPELINE_MS);
    // The threshold of calls opened the circuit; nothing else reached the endpoint.
    expect(calls()).toHaveLength(THRESHOLD);

    const histories = letters.map((letter) => {
      expect(letter.status).toBe('dead');
      return letter.attempts.map((a) => [a.attempt, a.status_code, a.error_class, a.error_message]);
    });
    const called = histories.filter((history) => history.length === 2);
    expect(called).toEqual(
      Array.from({ length: THRESHOLD }, () => [
        [1, 500, 'retryable', 'receiver answered 500'],
        [2, null, 'retryable', SPENT('1 attempt made')],
      ]),
    );
    expect(histories.filter((history) => history.length === 1)).toEqual(
      Array.from({ length: events - THRESHOLD }, () => [
        [1, null, 'retryable', SPENT('0 attempts made')],
      ]),
    );
    // The schedule's time was given in full: none gave up before it; and none waited for the
    // circuit: each was given up within the schedule's bound (plus the pipeline's own latency).
    const gaveUp = letters.map((letter) => Date.parse(lastAttempt(letter).started_at));
    const late = gaveUp.map((at) => at - first.receivedAt);
    if (Math.max(...late) >= BUDGET_MS + PIPELINE_MS) {
      // Which deliveries were late, and by how much: a whole partition held up shows as all of them.
      console.error(`give-ups, ms after the first call: ${late.sort((a, b) => a - b).join(', ')}`);
    }
    expect(Math.min(...late)).toBeGreaterThanOrEqual(BUDGET_MS - 50);
    expect(Math.max(...late)).toBeLessThan(BUDGET_MS + PIPELINE_MS);

    // The tenant hears of each one as of any delivery that spent its schedule.
    const told = await waitFor('herald.delivery.exhausted for every dead letter', () => {
      const bodies = state.receiver
        .distinctRequestsTo('/ops')
        .map((request) => JSON.parse(request.body) as OperationalBody);
      return bodies.length >= events && bodies;
    });
    expect(told.map((body) => body.data.delivery_id).sort()).toEqual(
      letters.map((letter) => letter.id).sort(),
    );
    for (const body of told) {
      expect(body.type).toBe('herald.delivery.exhausted');
      expect(body.data.subscription_id).toBe(down);
      expect(body.data.reason).toMatch(
        /^retry schedule spent while the endpoint's circuit was open/,
      );
    }
    expect(calls()).toHaveLength(THRESHOLD);
  }, 90_000);
});

/**
 * A subscription deleted or paused with a backlog behind its open circuit (open 6 s; the schedule
 * 1s,2s with 10 s attempts gives each delivery 33.3 s, so no delivery's time runs out here).
 */
describe('a deleted or paused subscription’s backlog behind an open circuit', () => {
  const OPEN_MS = 6_000;
  const state = session({ HERALD_CIRCUIT_BREAKER_OPEN: `${OPEN_MS / 1000}s` });

  it.each([
    ['deleted', 'DELETE', undefined, 'subscription no longer exists', 204],
    ['paused', 'PATCH', { enabled: false }, 'subscription disabled', 200],
  ] as const)(
    'is dead-lettered within the open period once the subscription is %s, and is deferred no more',
    async (name, method, body, reason, answered) => {
      const events = 20;
      const { client } = await state.operator.createTenant(`backlog ${name}`);
      const path = `/down-${name}`;
      const down = await subscribe(state, client, ['alarm.raised'], path);
      const calls = () => state.receiver.requests.filter((request) => request.path === path);

      const trips = await retryTrips(state.herald, down);
      await publish(client, `backlog-${name}`, events);
      await waitFor('the circuit to open', () => calls().length >= THRESHOLD);
      await waitFor(
        `${events} deliveries recorded`,
        async () => (await deliveryCount(client, down)) === events,
      );
      // The backlog waits on the retry topics for the circuit, none dead yet.
      expect(await deadLetters(client, down)).toEqual([]);
      await waitFor('the backlog on the retry topics', () => trips.count() > 0);

      const changed = await client.request(method, `/v1/subscriptions/${down}`, body);
      expect(changed.status).toBe(answered);
      const changedAt = Date.now();

      const { letters } = await allDead(client, down, events, OPEN_MS + 20_000);
      // Each comes up within the open period and is refused at once (the deliverer sees the change
      // within its policy's two seconds): the refusals are recorded by then (their own time, not
      // when a poll of the API first saw the last of them).
      const refusedAt = Math.max(
        ...letters.map((letter) => Date.parse(lastAttempt(letter).started_at)),
      );
      expect(refusedAt - changedAt).toBeLessThan(OPEN_MS + 5_000);
      for (const letter of letters) {
        const last = lastAttempt(letter);
        expect([letter.status, last.outcome, last.status_code, last.error_message]).toEqual([
          'dead',
          'failed',
          null,
          reason,
        ]);
        expect(letter.attempts.slice(0, -1).map((attempt) => attempt.status_code)).toEqual(
          letter.attempts.slice(0, -1).map(() => 500),
        );
      }
      expect(calls()).toHaveLength(THRESHOLD);

      // Nothing of it circles the retry topics any more (what was written before is read first).
      await sleep(2_000);
      const tripsWhenDead = trips.count();
      await sleep(OPEN_MS + 2_000);
      expect(trips.count()).toBe(tripsWhenDead);
      expect(calls()).toHaveLength(THRESHOLD);
      await trips.stop();
    },
    90_000,
  );
});
