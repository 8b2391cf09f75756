import type { Kafka, ProducerBatch, ProducerRecord } from 'kafkajs';
import { Topics } from '@herald/contracts';
import { consumeSpan, startTracing, type Tracing } from '@herald/observability';
import { recordingExporter } from '@herald/testing';
import { TypedProducer } from './typed-producer';

/** A Kafka whose producer records what it was asked to send, one record per topic of a request. */
function recordingKafka(): { kafka: Kafka; sent: ProducerRecord[]; requests: number[] } {
  const sent: ProducerRecord[] = [];
  const requests: number[] = [];
  const producer = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    sendBatch: (batch: ProducerBatch) => {
      requests.push(batch.topicMessages?.length ?? 0);
      for (const { topic, messages } of batch.topicMessages ?? []) sent.push({ topic, messages });
      return Promise.resolve([]);
    },
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, sent, requests };
}

const STALE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function headersOf(record: ProducerRecord): Record<string, unknown>[] {
  return record.messages.map((message) => ({ ...message.headers }));
}

describe('TypedProducer with tracing off (no OTLP endpoint)', () => {
  it('sends the headers callers gave, and no traceparent', async () => {
    let isolated!: {
      TypedProducer: typeof TypedProducer;
      startTracing: typeof startTracing;
    };
    await jest.isolateModulesAsync(async () => {
      const [kafkaLib, observability] = await Promise.all([
        import('./typed-producer'),
        import('@herald/observability'),
      ]);
      isolated = {
        TypedProducer: kafkaLib.TypedProducer,
        startTracing: observability.startTracing,
      };
    });
    isolated.startTracing({ serviceName: 'herald-test', url: null });
    const { kafka, sent } = recordingKafka();
    const producer = new isolated.TypedProducer(kafka);

    await producer.send(Topics.eventsInbound, [
      { key: 'ten_1', value: Buffer.from('{}') },
      { key: 'ten_1', value: Buffer.from('{}'), headers: { 'x-source': 'api' } },
    ]);
    await producer.sendRaw('herald.deliveries.dlq', [
      { key: null, value: null, headers: { traceparent: STALE, reason: 'x' } },
    ]);

    expect(headersOf(sent[0])).toEqual([{}, { 'x-source': 'api' }]);
    expect(headersOf(sent[1])).toEqual([{ traceparent: STALE, reason: 'x' }]);
  });
});

describe('TypedProducer with tracing on', () => {
  /** Every span handed to the exporter, in order. */
  const { exporter, spans: handed } = recordingExporter();
  let tracing: Tracing;

  beforeAll(() => {
    tracing = startTracing({
      serviceName: 'herald-test',
      url: 'http://127.0.0.1:1/v1/traces',
      exporter,
    });
  });

  afterAll(async () => {
    await tracing.shutdown();
  });

  it('sends a batch in one PRODUCER span that every message names as its parent, keeping other headers and replacing an older traceparent', async () => {
    const { kafka, sent } = recordingKafka();
    const producer = new TypedProducer(kafka);

    // As a consumer re-publishing a message it received (a retry): inside its consume span.
    const consumer = await consumeSpan(
      'herald.deliverer',
      {
        topic: 'herald.deliveries',
        partition: 0,
        offset: '3',
        key: 'sub_1',
        headers: { traceparent: STALE },
      },
      async (span) => {
        await producer.sendRaw('herald.deliveries.retry.1s', [
          { key: 'sub_1', value: null, headers: { traceparent: STALE, 'not-before': '5' } },
          { key: 'sub_2', value: null },
        ]);
        return span.spanContext();
      },
    );
    await tracing.flush();

    const producerSpan = handed.find((span) => span.name === 'send herald.deliveries.retry.1s');
    expect(producerSpan).toBeDefined();
    const context = producerSpan!.spanContext();
    expect(producerSpan!.parentSpanContext?.spanId).toBe(consumer.spanId);
    expect(context.traceId).toBe(consumer.traceId);
    expect(producerSpan!.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.system.name': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'herald.deliveries.retry.1s',
      'messaging.batch.message_count': 2,
    });
    const traceparent = `00-${context.traceId}-${context.spanId}-01`;
    expect(headersOf(sent[0])).toEqual([{ traceparent, 'not-before': '5' }, { traceparent }]);
  });

  it('gives typed sends the same treatment', async () => {
    const { kafka, sent } = recordingKafka();
    await new TypedProducer(kafka).send(Topics.eventsInbound, [
      { key: 'ten_1', value: Buffer.from('{}'), headers: { 'x-source': 'api' } },
    ]);
    await tracing.flush();
    const span = handed.find((candidate) => candidate.name === 'send herald.events.inbound');
    expect(span?.attributes).toMatchObject({
      'messaging.destination.name': 'herald.events.inbound',
      'messaging.batch.message_count': 1,
      'messaging.kafka.message.key': 'ten_1',
      'kafka.message.key': 'ten_1',
    });
    const { traceId, spanId } = span!.spanContext();
    expect(headersOf(sent[0])).toEqual([
      { 'x-source': 'api', traceparent: `00-${traceId}-${spanId}-01` },
    ]);
  });
});

describe('TypedProducer with large messages', () => {
  it('sends a fan-out larger than a record batch in several requests, in order', async () => {
    const { kafka, sent } = recordingKafka();
    const producer = new TypedProducer(kafka);
    const big = (n: number) => ({ key: `k${n}`, value: Buffer.alloc(300 * 1024, n) });
    await producer.sendRaw('herald.deliveries', [1, 2, 3, 4, 5, 6, 7].map(big));
    expect(sent.length).toBeGreaterThan(1);
    for (const record of sent) {
      const bytes = record.messages.reduce((sum, m) => sum + (m.value as Buffer).length, 0);
      expect(bytes).toBeLessThanOrEqual(900 * 1024);
    }
    expect(sent.flatMap((record) => record.messages.map((m) => m.key))).toEqual([
      'k1',
      'k2',
      'k3',
      'k4',
      'k5',
      'k6',
      'k7',
    ]);
  });

  it('sends small messages in one request, and a message larger than a batch on its own', async () => {
    const { kafka, sent } = recordingKafka();
    const producer = new TypedProducer(kafka);
    await producer.sendRaw('t', [
      { key: 'a', value: Buffer.alloc(10) },
      { key: 'b', value: Buffer.alloc(950 * 1024) },
      { key: 'c', value: Buffer.alloc(10) },
      { key: 'd', value: Buffer.alloc(10) },
    ]);
    expect(sent.map((record) => record.messages.map((m) => m.key))).toEqual([
      ['a'],
      ['b'],
      ['c', 'd'],
    ]);
  });
});

describe('TypedProducer connecting', () => {
  it('tries to connect again on the next send after a failed connect', async () => {
    let connects = 0;
    let requests = 0;
    const producer = {
      connect: () =>
        ++connects === 1 ? Promise.reject(new Error('broker down')) : Promise.resolve(),
      disconnect: () => Promise.resolve(),
      sendBatch: () => {
        requests++;
        return Promise.resolve([]);
      },
    };
    const typed = new TypedProducer({ producer: () => producer } as unknown as Kafka);
    const message = { key: 'k', value: Buffer.from('v') };
    await expect(typed.sendRaw('t', [message])).rejects.toThrow('broker down');
    await typed.sendRaw('t', [message]);
    expect(connects).toBe(2);
    expect(requests).toBe(1);
  });
});

/** A producer whose requests stay open until the test answers them. */
function heldKafka() {
  const requests: { batch: ProducerBatch; answer(error?: Error): void }[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const producer = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    sendBatch: (batch: ProducerBatch) =>
      new Promise((resolve, reject) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        requests.push({
          batch,
          answer: (error) => {
            inFlight--;
            if (error) reject(error);
            else resolve([]);
          },
        });
      }),
  };
  return {
    kafka: { producer: () => producer } as unknown as Kafka,
    requests,
    mostInFlight: () => mostInFlight,
  };
}

/** Lets the event loop turn (a flush starts at the end of a turn), then the promises it resolved run. */
const settle = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const keysOf = (batch: ProducerBatch): string[][] =>
  (batch.topicMessages ?? []).map(({ topic, messages }) =>
    messages.map((message) => `${topic}:${String(message.key)}`),
  );

describe('TypedProducer coalescing', () => {
  it('sends what callers queue while a request is in flight together in the next one, one request at a time', async () => {
    const { kafka, requests, mostInFlight } = heldKafka();
    const producer = new TypedProducer(kafka);
    const one = (topic: string, key: string) =>
      producer.sendRaw(topic, [{ key, value: Buffer.from(key) }]);
    const first = one('a', '1');
    await settle();
    expect(requests).toHaveLength(1);
    const later = [one('a', '2'), one('b', '3'), one('a', '4')];
    await settle();
    expect(requests).toHaveLength(1);

    requests[0].answer();
    await first;
    await settle();
    expect(requests).toHaveLength(2);
    expect(keysOf(requests[1].batch)).toEqual([['a:2', 'a:4'], ['b:3']]);
    requests[1].answer();
    await Promise.all(later);
    expect(mostInFlight()).toBe(1);
  });

  it('sends what callers send in one turn of the event loop in one request', async () => {
    const { kafka, requests } = heldKafka();
    const producer = new TypedProducer(kafka);
    const sent = ['1', '2', '3'].map((key) =>
      producer.sendRaw(key === '2' ? 'b' : 'a', [{ key, value: Buffer.from(key) }]),
    );
    expect(requests).toHaveLength(0);
    await settle();
    expect(requests).toHaveLength(1);
    expect(keysOf(requests[0].batch)).toEqual([['a:1', 'a:3'], ['b:2']]);
    requests[0].answer();
    await Promise.all(sent);
  });

  it('rejects the callers of a failed request only, and goes on with the next', async () => {
    const { kafka, requests } = heldKafka();
    const producer = new TypedProducer(kafka);
    const send = (key: string) => producer.sendRaw('t', [{ key, value: Buffer.from(key) }]);
    const first = send('1');
    await settle();
    const [second, third] = [send('2'), send('3')];
    requests[0].answer();
    await first;
    await settle();
    requests[1].answer(new Error('NOT_ENOUGH_REPLICAS'));
    await expect(second).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    await expect(third).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    const fourth = send('4');
    await settle();
    expect(keysOf(requests[2].batch)).toEqual([['t:4']]);
    requests[2].answer();
    await fourth;
  });
});
