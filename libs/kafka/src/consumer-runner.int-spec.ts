import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { JsonLogger } from '@herald/config';
import { decodeRaw, type TopicDefinition } from '@herald/contracts';
import { waitFor } from '@herald/testing';
import { ConsumerRunner } from './consumer-runner';
import { ack, type HandlerOutcome } from './outcome';

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

  async function oneTopic(): Promise<TopicDefinition<Buffer>> {
    const name = `runner-test-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic: name, numPartitions: 1 }], waitForLeaders: true });
    return { name, compacted: false, key: () => null, encode: (value) => value, decode: decodeRaw };
  }

  function run(
    topic: TopicDefinition<Buffer>,
    groupId: string,
    handle: (key: string, value: string) => Promise<HandlerOutcome>,
  ): ConsumerRunner<Buffer> {
    const runner = new ConsumerRunner<Buffer>({
      kafka,
      groupId,
      topics: [topic],
      logger: new JsonLogger('runner-test', 'error'),
      batchBudgetMs: 300,
      handle: ({ key, message }) => handle(key ?? '', message.toString()),
      deadLetter: () => Promise.resolve(),
    });
    runners.push(runner);
    return runner;
  }

  async function committed(groupId: string, topic: string): Promise<string> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets.partitions[0].offset;
  }

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
});
