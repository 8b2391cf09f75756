import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { decodeRaw, type TopicDefinition } from '@herald/contracts';
import { waitFor } from '@herald/testing';
import { ConsumerRunner, type ConsumerRunnerOptions } from './consumer-runner';
import { ack, type HandlerOutcome } from './outcome';
import { isPermanentFailure } from './permanent-failure';
import { JsonLogger } from '@herald/observability';

/** The consumer runner on a real broker: slow keys run past the batch, commits wait for them. */
describe('ConsumerRunner', () => {
  const kafka = new Kafka({
    clientId: 'consumer-runner-test',
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  let admin: Admin;
  let producer: Producer;
  const runners: ConsumerRunner<Buffer>[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  async function oneTopic(numPartitions = 1): Promise<TopicDefinition<Buffer>> {
    const name = `runner-test-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic: name, numPartitions }], waitForLeaders: true });
    return { name, compacted: false, key: () => null, encode: (value) => value, decode: decodeRaw };
  }

  function run(
    topic: TopicDefinition<Buffer>,
    groupId: string,
    handle: (key: string, value: string) => Promise<HandlerOutcome>,
    guards: Partial<
      Pick<
        ConsumerRunnerOptions<Buffer>,
        | 'isPermanent'
        | 'dependenciesUp'
        | 'maxFailures'
        | 'deadLetter'
        | 'windowOf'
        | 'maxInFlightTotal'
        | 'maxInFlightPerPartition'
        | 'maxInFlightPerKey'
        | 'laneConcurrency'
      >
    > = {},
  ): ConsumerRunner<Buffer> {
    return started(topic, groupId, {
      batchBudgetMs: 300,
      handle: ({ key, message }) => handle(key ?? '', message.toString()),
      deadLetter: () => Promise.resolve(),
      ...guards,
    });
  }

  /** A runner of this suite on `topic`, stopped after it. */
  function started(
    topic: TopicDefinition<Buffer>,
    groupId: string,
    options: Omit<ConsumerRunnerOptions<Buffer>, 'kafka' | 'groupId' | 'topics' | 'logger'>,
  ): ConsumerRunner<Buffer> {
    const runner = new ConsumerRunner<Buffer>({
      kafka,
      groupId,
      topics: [topic],
      logger: new JsonLogger('runner-test', 'error'),
      ...options,
    });
    runners.push(runner);
    return runner;
  }

  /** A runner in batch mode on `topic`, guarded as the services' are. */
  function runBatches(
    topic: TopicDefinition<Buffer>,
    groupId: string,
    options: Pick<
      ConsumerRunnerOptions<Buffer>,
      'handleBatch' | 'deadLetter' | 'dependenciesUp' | 'maxBatchMessages' | 'fetchLingerMs'
    >,
  ): ConsumerRunner<Buffer> {
    return started(topic, groupId, { isPermanent: isPermanentFailure, ...options });
  }

  /**
   * A runner whose keys starting with `slow` wait for a gate, and thirty messages each of two such
   * keys (on `partitions`, when given), interleaved: with the default guards, each key takes its
   * bound (10) and the two together their partition's budget (20). Resolves once that has been so
   * for 1.5 s, longer than a partition stays full before it is scanned. What is handled is recorded
   * as `key:value`; `beforeRecording` runs first for every message (a failure, say).
   */
  async function fullOfSlowKeys(
    topic: TopicDefinition<Buffer>,
    groupId: string,
    options: {
      guards?: Parameters<typeof run>[3];
      partitions?: [number, number];
      beforeRecording?: (key: string) => Promise<void>;
    } = {},
  ): Promise<{ handled: string[]; openGate: () => void }> {
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const handled: string[] = [];
    const runner = run(
      topic,
      groupId,
      async (key, value) => {
        if (key.startsWith('slow')) await gate;
        await options.beforeRecording?.(key);
        handled.push(`${key}:${value}`);
        return ack();
      },
      { maxInFlightPerPartition: 20, maxInFlightPerKey: 10, windowOf: () => 2, ...options.guards },
    );
    await runner.start();
    await producer.send({
      topic: topic.name,
      messages: Array.from({ length: 30 }, (_, index) => [
        { key: 'slowA', value: String(index), partition: options.partitions?.[0] },
        { key: 'slowB', value: String(index), partition: options.partitions?.[1] },
      ]).flat(),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    return { handled, openGate };
  }

  /**
   * Sends one message each of `count` other keys (over `partitions` partitions, when given), and
   * waits until they are all handled while the slow keys still wait.
   */
  async function fastKeysGoOn(
    topic: string,
    gated: { handled: string[] },
    count: number,
    partitions?: number,
  ): Promise<void> {
    await producer.send({
      topic,
      messages: Array.from({ length: count }, (_, index) => ({
        key: `fast${index}`,
        value: '0',
        partition: partitions === undefined ? undefined : index % partitions,
      })),
    });
    await waitFor(
      `the ${count} fast keys, while the slow ones wait`,
      () => gated.handled.length === count,
      10_000,
    );
    expect(gated.handled.map((entry) => entry.split(':')[0]).sort()).toEqual(
      Array.from({ length: count }, (_, index) => `fast${index}`).sort(),
    );
  }

  /**
   * Opens the slow keys' gate and waits for all `count` messages: each handled once, and each slow
   * key's thirty in offset order (what a scan left in Kafka was fetched again in order).
   */
  async function openAndDrain(
    { handled, openGate }: { handled: string[]; openGate: () => void },
    count: number,
  ): Promise<void> {
    openGate();
    await waitFor(`all ${count} messages`, () => handled.length === count, 30_000);
    expect(new Set(handled).size).toBe(count);
    for (const key of ['slowA', 'slowB']) {
      expect(handled.filter((entry) => entry.startsWith(`${key}:`))).toEqual(
        Array.from({ length: 30 }, (_, index) => `${key}:${index}`),
      );
    }
  }

  async function committed(groupId: string, topic: string): Promise<string> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets.partitions[0].offset;
  }

  it('reports how long its oldest due message has waited: a stuck one counts, a retry only from its time', async () => {
    const topic = await oneTopic();
    let releaseStuck: () => void = () => undefined;
    const stuckDone = new Promise<void>((resolve) => (releaseStuck = resolve));
    const handled: string[] = [];
    const runner = started(topic, `runner-oldest-${randomUUID()}`, {
      handle: async ({ key }) => {
        if (key === 'stuck') await stuckDone;
        handled.push(key ?? '');
        return ack();
      },
      dueAt: (raw) => (raw.headers.due ? Number(raw.headers.due) : null),
      windowOf: () => 1,
      deadLetter: () => Promise.resolve(),
    });
    await runner.start();
    expect(runner.oldestDueAges().get(topic.name)).toBe(0);

    // A retry due in 3 s waits behind nothing; it does not count before its time.
    const dueAt = Date.now() + 3_000;
    await producer.send({
      topic: topic.name,
      messages: [
        { key: 'stuck', value: 'x' },
        { key: 'retry', value: 'y', headers: { due: String(dueAt) } },
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const early = runner.oldestDueAges().get(topic.name) ?? 0;
    // Only the stuck message counts: it has waited since it was fetched.
    expect(early).toBeGreaterThanOrEqual(1);
    expect(early).toBeLessThan(3);
    await waitFor('the retry to be handled once due', () => handled.includes('retry'), 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt);
    // The stuck one has waited on: longer than before, nearly the retry's 3 s.
    const later = runner.oldestDueAges().get(topic.name) ?? 0;
    expect(later).toBeGreaterThan(early);
    expect(later).toBeGreaterThanOrEqual(2.5);

    releaseStuck();
    await waitFor('nothing to wait any more', () => runner.oldestDueAges().get(topic.name) === 0);
  });

  it('handles later batches of other keys while one key is slow, and commits only below it', async () => {
    const topic = await oneTopic();
    const groupId = `runner-slow-${randomUUID()}`;
    let releaseSlow: () => void = () => undefined;
    const slowDone = new Promise<void>((resolve) => (releaseSlow = resolve));
    const handled: string[] = [];
    const runner = run(topic, groupId, async (key, value) => {
      if (key === 'slow') await slowDone;
      handled.push(`${key}:${value}`);
      return ack();
    });
    await runner.start();

    await producer.send({ topic: topic.name, messages: [{ key: 'slow', value: '0' }] });
    for (let round = 0; round < 3; round++) {
      await producer.send({
        topic: topic.name,
        messages: Array.from({ length: 10 }, (_, index) => ({
          key: `k${index % 3}`,
          value: String(round * 10 + index),
        })),
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await waitFor('all thirty fast messages', () => handled.length === 30, 20_000);
    expect(handled).not.toContain('slow:0');
    // Per key, in order.
    for (const key of ['k0', 'k1', 'k2']) {
      const values = handled
        .filter((entry) => entry.startsWith(`${key}:`))
        .map((e) => Number(e.split(':')[1]));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
    // Nothing is committed past the unfinished slow message at offset 0.
    expect(['-1', '0']).toContain(await committed(groupId, topic.name));

    releaseSlow();
    await waitFor(
      'the commit past everything',
      async () => (await committed(groupId, topic.name)) === '31',
    );
    expect(handled).toHaveLength(31);
  });

  it('after a handler fails, handles that message again before the later ones of its key, and none twice', async () => {
    const topic = await oneTopic();
    const groupId = `runner-fail-${randomUUID()}`;
    const handled: string[] = [];
    let failOnce = true;
    const runner = run(topic, groupId, (key, value) => {
      if (key === 'a' && value === '1' && failOnce) {
        failOnce = false;
        return Promise.reject(new Error('database unavailable'));
      }
      handled.push(`${key}:${value}`);
      return Promise.resolve(ack());
    });
    await runner.start();
    await producer.send({
      topic: topic.name,
      messages: ['0', '1', '2', '3'].flatMap((value) => [
        { key: 'a', value },
        { key: 'b', value },
      ]),
    });
    await waitFor('all eight messages', () => handled.length >= 8, 20_000);
    await waitFor(
      'the commit past everything',
      async () => (await committed(groupId, topic.name)) === '8',
    );
    expect(handled.filter((entry) => entry.startsWith('a:'))).toEqual(['a:0', 'a:1', 'a:2', 'a:3']);
    expect(handled.filter((entry) => entry.startsWith('b:'))).toEqual(['b:0', 'b:1', 'b:2', 'b:3']);
    expect(handled).toHaveLength(8);
  });

  /** Dead letters a runner made, as `value: code` (with the reason kept aside). */
  function deadLetters(): {
    letters: { value: string; code: string; reason: string }[];
    deadLetter: ConsumerRunnerOptions<Buffer>['deadLetter'];
  } {
    const letters: { value: string; code: string; reason: string }[] = [];
    return {
      letters,
      deadLetter: (raw, outcome) => {
        letters.push({
          value: raw.value?.toString() ?? '',
          code: outcome.code,
          reason: outcome.reason,
        });
        return Promise.resolve();
      },
    };
  }

  it('dead-letters at once a message whose error is bound to it, and its key goes on', async () => {
    const topic = await oneTopic();
    const groupId = `runner-permanent-${randomUUID()}`;
    const handled: string[] = [];
    let tries = 0;
    const { letters, deadLetter } = deadLetters();
    const runner = run(
      topic,
      groupId,
      (_key, value) => {
        if (value === 'poison') {
          tries++;
          // What PostgreSQL answers to a NUL in a text parameter.
          return Promise.reject(
            Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
              code: '22021',
            }),
          );
        }
        handled.push(value);
        return Promise.resolve(ack());
      },
      { isPermanent: isPermanentFailure, deadLetter },
    );
    await runner.start();
    await producer.send({
      topic: topic.name,
      messages: ['before', 'poison', 'after-1', 'after-2'].map((value) => ({
        key: 'tenant',
        value,
      })),
    });
    await waitFor('the key to go on past the poison', () => handled.length === 3, 10_000);
    expect(handled).toEqual(['before', 'after-1', 'after-2']);
    expect(tries).toBe(1);
    expect(letters).toEqual([
      {
        value: 'poison',
        code: 'unprocessable',
        reason: 'invalid byte sequence for encoding "UTF8": 0x00',
      },
    ]);
    await waitFor('the commit past it', async () => (await committed(groupId, topic.name)) === '4');
  });

  it('dead-letters a message that keeps failing while the dependencies answer, after a bounded number of tries', async () => {
    const topic = await oneTopic();
    const groupId = `runner-poison-${randomUUID()}`;
    const handled: string[] = [];
    let tries = 0;
    const { letters, deadLetter } = deadLetters();
    const runner = run(
      topic,
      groupId,
      (_key, value) => {
        if (value === 'poison') {
          tries++;
          return Promise.reject(new Error('cannot handle this one'));
        }
        handled.push(value);
        return Promise.resolve(ack());
      },
      { dependenciesUp: () => Promise.resolve(true), maxFailures: 3, deadLetter },
    );
    await runner.start();
    await producer.send({
      topic: topic.name,
      messages: ['poison', 'next'].map((value) => ({ key: 'tenant', value })),
    });
    await waitFor('the next message of its key', () => handled.includes('next'), 20_000);
    expect(tries).toBe(3);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ value: 'poison', code: 'handler_failed' });
    expect(letters[0].reason).toContain('cannot handle this one');
    await waitFor('the commit past it', async () => (await committed(groupId, topic.name)) === '2');
  });

  it('keeps trying, never dead-lettering, while the dependencies are down, and goes on once they answer', async () => {
    const topic = await oneTopic();
    const groupId = `runner-outage-${randomUUID()}`;
    const handled: string[] = [];
    let up = false;
    let tries = 0;
    const { letters, deadLetter } = deadLetters();
    const runner = run(
      topic,
      groupId,
      (_key, value) => {
        if (!up) {
          tries++;
          return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
        }
        handled.push(value);
        return Promise.resolve(ack());
      },
      { dependenciesUp: () => Promise.resolve(up), maxFailures: 2, deadLetter },
    );
    await runner.start();
    await producer.send({
      topic: topic.name,
      messages: ['a', 'b'].map((value) => ({ key: 'tenant', value })),
    });
    await waitFor('a few failed tries during the outage', () => tries >= 4, 20_000);
    up = true;
    await waitFor('both messages once the outage ends', () => handled.length === 2, 40_000);
    expect(handled).toEqual(['a', 'b']);
    expect(letters).toEqual([]);
  }, 90_000);

  it('starts the messages of a key in offset order, at most its window at once; a window of one is serial', async () => {
    const topic = await oneTopic();
    const groupId = `runner-window-${randomUUID()}`;
    const started: string[] = [];
    const inFlight = new Map<string, number>();
    const most = new Map<string, number>();
    const runner = run(
      topic,
      groupId,
      async (key, value) => {
        started.push(`${key}:${value}`);
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
        most.set(key, Math.max(most.get(key) ?? 0, inFlight.get(key) ?? 0));
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
        inFlight.set(key, (inFlight.get(key) ?? 0) - 1);
        return ack();
      },
      { windowOf: (raw) => (raw.key === 'wide' ? 4 : 1) },
    );
    await runner.start();
    await producer.send({
      topic: topic.name,
      messages: Array.from({ length: 40 }, (_, index) => ({
        key: index % 2 === 0 ? 'wide' : 'serial',
        value: String(index),
      })),
    });
    await waitFor('all forty', () => started.length === 40, 20_000);
    for (const key of ['wide', 'serial']) {
      const values = started
        .filter((entry) => entry.startsWith(`${key}:`))
        .map((entry) => Number(entry.split(':')[1]));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
    expect(most.get('wide')).toBe(4);
    expect(most.get('serial')).toBe(1);
    await waitFor(
      'the commit past everything',
      async () => (await committed(groupId, topic.name)) === '40',
    );
  });

  it('in batch mode, hands the messages of a partition over in batches, in order, and parks only the one at fault', async () => {
    const topic = await oneTopic();
    const groupId = `runner-batch-${randomUUID()}`;
    const batches: string[][] = [];
    const { letters, deadLetter } = deadLetters();
    const runner = runBatches(topic, groupId, {
      deadLetter,
      handleBatch: (messages) => {
        const values = messages.map(({ message }) => message.toString());
        if (values.includes('poison')) {
          return Promise.reject(Object.assign(new Error('value too long'), { code: '22001' }));
        }
        batches.push(values);
        return Promise.resolve(values.map(() => ack()));
      },
    });
    const send = (values: string[]) =>
      producer.send({
        topic: topic.name,
        messages: values.map((value, index) => ({ key: `k${index % 4}`, value })),
      });
    await send(Array.from({ length: 20 }, (_, index) => String(index)));
    await runner.start();
    await waitFor('the first twenty', () => batches.flat().length === 20, 20_000);
    expect(batches.some((batch) => batch.length > 1)).toBe(true);
    // A batch holding a message PostgreSQL would refuse: split, and only that one parked.
    await send(
      Array.from({ length: 10 }, (_, index) => (index === 4 ? 'poison' : String(20 + index))),
    );
    await waitFor('every message but the poison', () => batches.flat().length === 29, 20_000);
    const handled = batches.flat().map(Number);
    expect(handled).toEqual([...handled].sort((a, b) => a - b));
    expect(letters).toEqual([{ value: 'poison', code: 'unprocessable', reason: 'value too long' }]);
    await waitFor(
      'the commit past everything',
      async () => (await committed(groupId, topic.name)) === '30',
    );
  });

  it('in batch mode, hands a big fetch over in batches of at most maxBatchMessages, in order', async () => {
    const topic = await oneTopic();
    const groupId = `runner-batch-size-${randomUUID()}`;
    const batches: number[][] = [];
    const runner = runBatches(topic, groupId, {
      deadLetter: () => Promise.resolve(),
      maxBatchMessages: 7,
      handleBatch: (messages) => {
        batches.push(messages.map(({ message }) => Number(message.toString())));
        return Promise.resolve(messages.map(() => ack()));
      },
    });
    // Already there when the consumer starts: one fetch brings all 50.
    await producer.send({
      topic: topic.name,
      messages: Array.from({ length: 50 }, (_, index) => ({ value: String(index) })),
    });
    await runner.start();
    await waitFor('all fifty', () => batches.flat().length === 50, 20_000);
    expect(Math.max(...batches.map((batch) => batch.length))).toBe(7);
    expect(batches.flat()).toEqual(Array.from({ length: 50 }, (_, index) => index));
    await waitFor(
      'the commit past everything',
      async () => (await committed(groupId, topic.name)) === '50',
    );
  });

  it('while messages flow, lets a fetch linger for more; the first after a quiet spell is not held', async () => {
    const topic = await oneTopic();
    const groupId = `runner-linger-${randomUUID()}`;
    const batches: { values: string[]; at: number }[] = [];
    const runner = runBatches(topic, groupId, {
      deadLetter: () => Promise.resolve(),
      fetchLingerMs: 1_500,
      handleBatch: (messages) => {
        batches.push({ values: messages.map(({ message }) => message.toString()), at: Date.now() });
        return Promise.resolve(messages.map(() => ack()));
      },
    });
    await runner.start();
    await waitFor('joined', () => runner.isJoined, 20_000);
    // Quiet: the fetch returns at the first message, not after the linger.
    const sentAt = Date.now();
    await producer.send({ topic: topic.name, messages: [{ value: 'first' }] });
    await waitFor('the first message', () => batches.length === 1, 10_000);
    expect(batches[0].values).toEqual(['first']);
    expect(batches[0].at - sentAt).toBeLessThan(1_000);
    // Flowing: ten messages 20 ms apart gather in the lingering fetch instead of one fetch each.
    for (let index = 0; index < 10; index++) {
      await producer.send({ topic: topic.name, messages: [{ value: String(index) }] });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor('all ten', () => batches.flatMap(({ values }) => values).length === 11, 10_000);
    expect(batches.flatMap(({ values }) => values)).toEqual([
      'first',
      ...Array.from({ length: 10 }, (_, index) => String(index)),
    ]);
    expect(batches.length - 1).toBeLessThanOrEqual(2);
  });

  it('in batch mode, takes several partitions in one batch, each in order, and redoes only what failed', async () => {
    const topic = await oneTopic(3);
    const groupId = `runner-batches-${randomUUID()}`;
    const batches: { partition: number; value: string }[][] = [];
    let failOnce = true;
    const runner = runBatches(topic, groupId, {
      dependenciesUp: () => Promise.resolve(false),
      deadLetter: () => Promise.resolve(),
      handleBatch: async (messages) => {
        const taken = messages.map(({ partition, message }) => ({
          partition,
          value: message.toString(),
        }));
        // An outage while the batch holding p1-5 is written: nothing of that batch is applied.
        if (failOnce && taken.some(({ value }) => value === 'p1-5')) {
          failOnce = false;
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        }
        // Long enough for the next fetches to queue behind it, and be taken together.
        await new Promise((resolve) => setTimeout(resolve, 100));
        batches.push(taken);
        return messages.map(() => ack());
      },
    });
    await runner.start();
    for (let round = 0; round < 10; round++) {
      await producer.send({
        topic: topic.name,
        messages: [0, 1, 2].map((partition) => ({
          partition,
          value: `p${partition}-${round}`,
        })),
      });
    }
    await waitFor('all thirty messages', () => batches.flat().length >= 30, 30_000);
    const handled = batches.flat();
    expect(handled).toHaveLength(30);
    for (const partition of [0, 1, 2]) {
      expect(handled.filter((m) => m.partition === partition).map((m) => m.value)).toEqual(
        Array.from({ length: 10 }, (_, round) => `p${partition}-${round}`),
      );
    }
    expect(batches.some((batch) => new Set(batch.map((m) => m.partition)).size > 1)).toBe(true);
  });

  it('fetches again a partition it had paused, lost in a rebalance and got back', async () => {
    const topic = await oneTopic(2);
    const group = `runner-rebalance-${randomUUID()}`;
    let healthy = false;
    const tried = new Set<string>();
    const handled = new Set<string>();
    const handle = (key: string, value: string): Promise<HandlerOutcome> => {
      tried.add(value);
      if (!healthy) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
      handled.add(value);
      return Promise.resolve(ack());
    };
    // While "PostgreSQL is down" every failure pauses its partition to recover, and counts for nothing.
    const guards = { dependenciesUp: () => Promise.resolve(healthy) };
    const first = run(topic, group, handle, guards);
    await first.start();
    await producer.send({
      topic: topic.name,
      messages: [
        { key: 'a', value: 'on-0', partition: 0 },
        { key: 'b', value: 'on-1', partition: 1 },
      ],
    });
    await waitFor('both partitions to fail and pause', () => tried.size === 2, 20_000);

    // A second member joins: the partitions are shared out, and the first loses one while paused.
    const second = run(topic, group, handle, guards);
    await second.start();
    await waitFor('the second member to join', () => second.isJoined, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // It leaves again, and the first gets that partition back.
    await second.stop();
    runners.splice(runners.indexOf(second), 1);
    healthy = true;

    await waitFor(
      'the first member to handle both partitions',
      () => handled.has('on-0') && handled.has('on-1'),
      60_000,
    );
  }, 90_000);

  it('keeps no more unfinished than its total budget across partitions, and resumes them all', async () => {
    const topic = await oneTopic(3);
    const group = `runner-total-${randomUUID()}`;
    let running = 0;
    let most = 0;
    const handled: string[] = [];
    const handle = async (key: string, value: string): Promise<HandlerOutcome> => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      handled.push(value);
      return ack();
    };
    // Every message its own key, so nothing but the budget limits how many run at once.
    const runner = run(topic, group, handle, {
      maxInFlightTotal: { messages: 4, bytes: 1024 * 1024 },
      laneConcurrency: 100,
    });
    await runner.start();
    await producer.send({
      topic: topic.name,
      messages: Array.from({ length: 60 }, (_, index) => ({
        key: `k${index}`,
        value: `m${index}`,
        partition: index % 3,
      })),
    });
    await waitFor('all sixty messages', () => handled.length === 60, 30_000);
    expect(new Set(handled).size).toBe(60);
    // Three partitions' batches, handled in parallel, and never more than four at once.
    expect(most).toBeLessThanOrEqual(4);
  }, 60_000);

  it("leaves a key with too much unfinished in Kafka: its partition's other keys go on, and it is fetched again in order", async () => {
    const topic = await oneTopic();
    const groupId = `runner-per-key-${randomUUID()}`;
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const handled: string[] = [];
    let slowAtOnce = 0;
    let slowMost = 0;
    const runner = run(
      topic,
      groupId,
      async (key, value) => {
        if (key === 'slow') {
          slowAtOnce++;
          slowMost = Math.max(slowMost, slowAtOnce);
          await gate;
          slowAtOnce--;
        }
        handled.push(`${key}:${value}`);
        return ack();
      },
      {
        // A partition holds 20 unfinished, a key 5: the slow key's backlog of 100 is far past both.
        maxInFlightPerPartition: 20,
        maxInFlightPerKey: 5,
        windowOf: () => 2,
      },
    );
    await runner.start();
    // The slow key's messages and the fast ones alternate in the partition.
    await producer.send({
      topic: topic.name,
      messages: Array.from({ length: 100 }, (_, index) => [
        { key: 'slow', value: String(index) },
        { key: `fast${index % 4}`, value: String(index) },
      ]).flat(),
    });
    await waitFor(
      'the hundred fast messages, while the slow key waits',
      () => handled.length === 100,
      20_000,
    );
    expect(handled.every((entry) => entry.startsWith('fast'))).toBe(true);
    expect(slowAtOnce).toBe(2);
    // Nothing is committed past the first slow message, at offset 0.
    expect(['-1', '0']).toContain(await committed(groupId, topic.name));

    // A burst of the slow key alone: left in Kafka as well (other keys went past it before).
    await producer.send({
      topic: topic.name,
      messages: Array.from({ length: 50 }, (_, index) => ({
        key: 'slow',
        value: String(100 + index),
      })),
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    openGate();
    await waitFor('all 250 messages', () => handled.length === 250, 30_000);
    const slow = handled.filter((entry) => entry.startsWith('slow:'));
    // Each once, in offset order, never more than the key's window at once.
    expect(slow).toEqual(Array.from({ length: 150 }, (_, index) => `slow:${index}`));
    expect(slowMost).toBeLessThanOrEqual(2);
    for (const key of ['fast0', 'fast1', 'fast2', 'fast3']) {
      const values = handled
        .filter((entry) => entry.startsWith(`${key}:`))
        .map((entry) => Number(entry.split(':')[1]));
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(new Set(values).size).toBe(25);
    }
    await waitFor(
      'the commit past everything',
      async () => (await committed(groupId, topic.name)) === '250',
    );
  }, 60_000);

  it("several slow keys that fill their partition's budget together hold back no other key of it for long", async () => {
    const topic = await oneTopic();
    const groupId = `runner-slow-keys-${randomUUID()}`;
    // The partition is full of the slow keys' messages, and stays so while the gate is closed.
    const gated = await fullOfSlowKeys(topic, groupId);
    await fastKeysGoOn(topic.name, gated, 5);

    await openAndDrain(gated, 65);
    await waitFor(
      'the commit past everything',
      async () => (await committed(groupId, topic.name)) === '65',
    );
  }, 60_000);

  it("a busy key that keeps up goes on beside slow keys that fill its partition's budget", async () => {
    const topic = await oneTopic();
    const groupId = `runner-busy-key-${randomUUID()}`;
    // A key with a twentieth of the partition's budget unfinished (1) is no longer light by its load
    // alone.
    const gated = await fullOfSlowKeys(topic, groupId);
    // Forty of one key, more than the partition's reserve (5) at once: taken as its messages finish.
    await producer.send({
      topic: topic.name,
      messages: Array.from({ length: 40 }, (_, index) => ({ key: 'busy', value: String(index) })),
    });
    await waitFor(
      'the busy key, while the slow ones wait',
      () => gated.handled.length === 40,
      10_000,
    );
    expect(gated.handled).toEqual(Array.from({ length: 40 }, (_, index) => `busy:${index}`));

    await openAndDrain(gated, 100);
    await waitFor(
      'the commit past everything',
      async () => (await committed(groupId, topic.name)) === '100',
    );
  }, 60_000);

  it('a full partition that recovered from a failed handler is read on past its slow keys again', async () => {
    const topic = await oneTopic();
    const groupId = `runner-recover-full-${randomUUID()}`;
    let failed = false;
    const gated = await fullOfSlowKeys(topic, groupId, {
      guards: { dependenciesUp: () => Promise.resolve(true) },
      beforeRecording: async (key) => {
        if (key !== 'fast0' || failed) return;
        // After its batch was over (the batch budget is 300 ms): nothing of the batch sees it.
        await new Promise((resolve) => setTimeout(resolve, 600));
        failed = true;
        throw new Error('the database blinked');
      },
    });
    // The first fast message fails once: the partition recovers (a pause, then fetched again from its
    // first unfinished message), still full of the slow keys' messages.
    await fastKeysGoOn(topic.name, gated, 5);
    expect(failed).toBe(true);

    await openAndDrain(gated, 65);
  }, 60_000);

  it("slow keys that fill the consumer's budget hold back no other partition for long", async () => {
    const topic = await oneTopic(3);
    const groupId = `runner-slow-total-${randomUUID()}`;
    // Two slow keys on partitions 0 and 1 fill the consumer's budget between them.
    const gated = await fullOfSlowKeys(topic, groupId, {
      guards: { maxInFlightTotal: { messages: 20, bytes: 1024 * 1024 } },
      partitions: [0, 1],
    });
    // Other keys on every partition: the slow keys' own and the third.
    await fastKeysGoOn(topic.name, gated, 12, 3);

    await openAndDrain(gated, 72);
  }, 60_000);

  it('gives every topic to a member subscribing to it, while members of one group subscribe to different topics', async () => {
    const shared = await oneTopic(2);
    const own = await oneTopic(2);
    const groupId = `runner-topics-${randomUUID()}`;
    const handled: string[] = [];
    const member = (topics: TopicDefinition<Buffer>[], name: string): ConsumerRunner<Buffer> => {
      const runner = new ConsumerRunner<Buffer>({
        kafka,
        groupId,
        topics,
        logger: new JsonLogger('runner-test', 'error'),
        handle: ({ topic, message }) => {
          handled.push(`${name}:${topic === own.name ? 'own' : 'shared'}:${message.toString()}`);
          return Promise.resolve(ack());
        },
        deadLetter: () => Promise.resolve(),
      });
      runners.push(runner);
      return runner;
    };
    // The first to join leads the group: with kafkajs's own assigner it gave out its topics alone,
    // so the second member's own topic went to nobody.
    await member([shared], 'first').start();
    await member([shared, own], 'second').start();
    await producer.send({
      topic: own.name,
      messages: [0, 1].map((partition) => ({ value: `o${partition}`, partition })),
    });
    await producer.send({
      topic: shared.name,
      messages: [0, 1].map((partition) => ({ value: `s${partition}`, partition })),
    });
    await waitFor('all four messages', () => handled.length === 4, 30_000);
    expect(handled.filter((entry) => entry.includes(':own:')).sort()).toEqual([
      'second:own:o0',
      'second:own:o1',
    ]);
  }, 60_000);

  it("a key with too much unfinished, alone on its partition, takes the partition's budget: all handled once, in order", async () => {
    const topic = await oneTopic();
    const groupId = `runner-per-key-alone-${randomUUID()}`;
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const handled: string[] = [];
    let started = 0;
    const runner = run(
      topic,
      groupId,
      async (_key, value) => {
        started++;
        await gate;
        handled.push(value);
        return ack();
      },
      { maxInFlightPerPartition: 20, maxInFlightPerKey: 5, windowOf: () => 2 },
    );
    await runner.start();
    await producer.send({
      topic: topic.name,
      messages: Array.from({ length: 60 }, (_, index) => ({ key: 'only', value: String(index) })),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(started).toBe(2);
    openGate();
    await waitFor('all sixty', () => handled.length === 60, 30_000);
    expect(handled).toEqual(Array.from({ length: 60 }, (_, index) => String(index)));
    await waitFor(
      'the commit past everything',
      async () => (await committed(groupId, topic.name)) === '60',
    );
  }, 60_000);
});
