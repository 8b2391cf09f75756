import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { DeliveredBody, SqsDestination } from '@herald/domain';
import { closedPort, SqsQueues, TEST_SQS_KEYS, TEST_SQS_REGION, testConfig } from '@herald/testing';
import { SqsSender } from './sqs.sender';

const bodyFor = (n: number): DeliveredBody => ({
  id: `evt-${n}`,
  type: 'meter_data.received',
  timestamp: '2024-05-02T12:31:26.257Z',
  subscription_id: 'sub_sqs_1',
  delivery_id: `dlv_${n}`,
  data: { meter_id: 'm-1', reading: n },
});
/** A delivery's standard body, sent as it is (no transformation). */
const sent = (body: DeliveredBody) => ({
  body,
  payload: JSON.stringify(body),
  messageId: body.delivery_id,
  signingSecrets: [],
});

function destination(fields: Partial<SqsDestination>): SqsDestination {
  return {
    type: 'sqs',
    region: TEST_SQS_REGION,
    queueName: null,
    queueUrl: null,
    accessKeyId: TEST_SQS_KEYS.accessKeyId,
    secretAccessKey: TEST_SQS_KEYS.secretAccessKey,
    endpointUrl: null,
    ...fields,
  };
}

/** A loopback HTTP server answering every SQS call with one AWS JSON-protocol error. */
async function failingSqs(
  status: number,
  type: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: HttpServer = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(
        JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message: `${type} here` }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Accepts connections and never answers, as a hung endpoint would. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}

/** Runs `action` with these environment variables set (or unset, for undefined), then restores them. */
async function withEnv<T>(
  vars: Record<string, string | undefined>,
  action: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await action();
  } finally {
    apply(saved);
  }
}

describe('SqsSender against ElasticMQ', () => {
  let queues: SqsQueues;
  let sender: SqsSender;

  beforeAll(() => {
    queues = new SqsQueues();
    sender = new SqsSender(testConfig());
  });

  afterAll(async () => {
    await sender.onApplicationShutdown();
    queues.close();
  });

  it('sends the delivered body to a standard queue by URL, with event and delivery attributes', async () => {
    const queue = await queues.create('standard');
    const result = await sender.send({
      destination: destination({ queueUrl: queue.url, endpointUrl: queues.endpoint }),
      ...sent(bodyFor(1)),
    });
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(result.responseExcerpt).toMatch(/^MessageId \S+/);

    const [message] = await queues.take(queue.url, 1);
    expect(JSON.parse(message.body)).toEqual(bodyFor(1));
    expect(message.body).toBe(JSON.stringify(bodyFor(1)));
    expect(message.attributes).toEqual({
      event_type: 'meter_data.received',
      event_id: 'evt-1',
      delivery_id: 'dlv_1',
    });
    expect(message.groupId).toBeUndefined();
    expect(message.deduplicationId).toBeUndefined();
  });

  it('finds a queue given by name through GetQueueUrl', async () => {
    const queue = await queues.create('by-name');
    for (const n of [1, 2]) {
      const result = await sender.send({
        destination: destination({ queueName: queue.name, endpointUrl: queues.endpoint }),
        ...sent(bodyFor(n)),
      });
      expect(result).toMatchObject({ ok: true });
    }
    const messages = await queues.take(queue.url, 2);
    expect(messages.map((m) => JSON.parse(m.body) as DeliveredBody)).toEqual([
      bodyFor(1),
      bodyFor(2),
    ]);
  });

  it('gives FIFO messages the subscription as group and the delivery as deduplication id', async () => {
    const queue = await queues.create('ordered', true);
    const target = destination({ queueName: queue.name, endpointUrl: queues.endpoint });
    for (const n of [1, 2, 3]) {
      expect(await sender.send({ destination: target, ...sent(bodyFor(n)) })).toMatchObject({
        ok: true,
      });
    }
    // A re-sent attempt of delivery 2 (say, after a lost answer) is dropped by SQS's deduplication.
    expect(await sender.send({ destination: target, ...sent(bodyFor(2)) })).toMatchObject({
      ok: true,
    });

    const messages = await queues.take(queue.url, 3);
    expect(messages.map((m) => [m.groupId, m.deduplicationId])).toEqual([
      ['sub_sqs_1', 'dlv_1'],
      ['sub_sqs_1', 'dlv_2'],
      ['sub_sqs_1', 'dlv_3'],
    ]);
    expect(messages.map((m) => (JSON.parse(m.body) as DeliveredBody).id)).toEqual([
      'evt-1',
      'evt-2',
      'evt-3',
    ]);
    expect(await queues.receive(queue.url, 1)).toEqual([]);
  });

  it('detects a FIFO queue given by URL', async () => {
    const queue = await queues.create('ordered-url', true);
    const result = await sender.send({
      destination: destination({ queueUrl: queue.url, endpointUrl: queues.endpoint }),
      ...sent(bodyFor(7)),
    });
    expect(result).toMatchObject({ ok: true });
    const [message] = await queues.take(queue.url, 1);
    expect([message.groupId, message.deduplicationId]).toEqual(['sub_sqs_1', 'dlv_7']);
  });

  it('uses the default credential chain when the destination has no keys', async () => {
    const queue = await queues.create('default-chain');
    const result = await withEnv(
      { AWS_ACCESS_KEY_ID: 'AKIAFROMENVIRONMENT', AWS_SECRET_ACCESS_KEY: 'from-the-environment' },
      () =>
        sender.send({
          destination: destination({
            queueUrl: queue.url,
            endpointUrl: queues.endpoint,
            accessKeyId: null,
            secretAccessKey: null,
          }),
          ...sent(bodyFor(3)),
        }),
    );
    expect(result).toMatchObject({ ok: true });
    expect(await queues.take(queue.url, 1)).toHaveLength(1);
  });

  it('fails as ours when there are no keys and the default chain finds no credentials', async () => {
    const queue = await queues.create('no-credentials');
    const result = await withEnv(
      {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_PROFILE: undefined,
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      () =>
        sender.send({
          // Another region than the test above: a client of its own, with nothing memoised.
          destination: destination({
            region: 'eu-central-1',
            queueUrl: queue.url,
            endpointUrl: queues.endpoint,
            accessKeyId: null,
            secretAccessKey: null,
          }),
          ...sent(bodyFor(4)),
        }),
    );
    expect(result).toMatchObject({ ok: false, failure: 'ours', statusCode: null });
    expect(!result.ok && result.message).toMatch(/^no AWS credentials: /);
    expect(await queues.receive(queue.url, 0)).toEqual([]);
  });

  it('fails for good, saying so, when the queue named does not exist', async () => {
    const result = await sender.send({
      destination: destination({ queueName: 'no-such-queue', endpointUrl: queues.endpoint }),
      ...sent(bodyFor(1)),
    });
    expect(result).toMatchObject({
      ok: false,
      failure: 'permanent',
      statusCode: 400,
      message: 'queue no-such-queue does not exist (region eu-west-1)',
    });
  });

  it('fails for good when the queue URL names a queue that does not exist', async () => {
    const url = `${queues.endpoint}/000000000000/no-such-queue`;
    const result = await sender.send({
      destination: destination({ queueUrl: url, endpointUrl: queues.endpoint }),
      ...sent(bodyFor(1)),
    });
    expect(result).toMatchObject({
      ok: false,
      failure: 'permanent',
      message: `queue ${url} does not exist (region eu-west-1)`,
    });
  });

  it('forgets a resolved queue URL once the queue is gone', async () => {
    const queue = await queues.create('recreated');
    const target = destination({ queueName: queue.name, endpointUrl: queues.endpoint });
    expect(await sender.send({ destination: target, ...sent(bodyFor(1)) })).toMatchObject({
      ok: true,
    });
    await queues.delete(queue.url);
    expect(await sender.send({ destination: target, ...sent(bodyFor(2)) })).toMatchObject({
      ok: false,
      failure: 'permanent',
    });
    const again = await queues.createNamed(queue.name);
    expect(await sender.send({ destination: target, ...sent(bodyFor(3)) })).toMatchObject({
      ok: true,
    });
    const [message] = await queues.take(again.url, 1);
    expect((JSON.parse(message.body) as DeliveredBody).id).toBe('evt-3');
  });
});

describe('SqsSender failure classes', () => {
  let sender: SqsSender;

  beforeAll(() => {
    sender = new SqsSender(testConfig({ HERALD_DELIVERY_TIMEOUT_MS: '300' }));
  });

  afterAll(async () => {
    await sender.onApplicationShutdown();
  });

  it.each([
    [500, 'InternalError', 'retryable'],
    [503, 'ServiceUnavailable', 'retryable'],
    [400, 'RequestThrottled', 'retryable'],
    [400, 'ThrottlingException', 'retryable'],
    [403, 'AccessDenied', 'permanent'],
    [400, 'InvalidClientTokenId', 'permanent'],
    [400, 'InvalidParameterValue', 'permanent'],
  ])('classifies an SQS answer %d %s as %s', async (status, type, failure) => {
    const sqs = await failingSqs(status, type);
    const result = await sender.send({
      destination: destination({ queueUrl: `${sqs.url}/000000000000/q`, endpointUrl: sqs.url }),
      ...sent(bodyFor(1)),
    });
    await sqs.close();
    expect(result).toMatchObject({ ok: false, failure, statusCode: status });
    expect(!result.ok && result.message).toContain(`SQS answered ${status} ${type}`);
  });

  it('retries when the endpoint refuses the connection', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await sender.send({
      destination: destination({ queueUrl: `${url}/000000000000/q`, endpointUrl: url }),
      ...sent(bodyFor(1)),
    });
    expect(result).toMatchObject({ ok: false, failure: 'retryable', statusCode: null });
    expect(!result.ok && result.message).toContain('ECONNREFUSED');
  });

  it('gives up on a silent endpoint after HERALD_DELIVERY_TIMEOUT_MS, as retryable', async () => {
    const silent = await silentServer();
    const started = Date.now();
    const result = await sender.send({
      destination: destination({ queueName: 'q', endpointUrl: silent.url }),
      ...sent(bodyFor(1)),
    });
    const elapsed = Date.now() - started;
    await silent.close();
    expect(result).toMatchObject({
      ok: false,
      failure: 'retryable',
      message: 'SQS did not answer in time',
    });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
  });
});

describe('SqsSender with private destinations disallowed', () => {
  let queues: SqsQueues;
  let sender: SqsSender;

  beforeAll(() => {
    queues = new SqsQueues();
    sender = new SqsSender(testConfig({ HERALD_ALLOW_PRIVATE_DESTINATIONS: 'false' }));
  });

  afterAll(async () => {
    await sender.onApplicationShutdown();
    queues.close();
  });

  const port = () => new URL(queues.endpoint).port;

  it.each([
    [
      'an endpoint on 127.0.0.1',
      () => ({ endpointUrl: `http://127.0.0.1:${port()}`, queueName: 'q' }),
      '127.0.0.1',
    ],
    [
      'an endpoint on [::1]',
      () => ({ endpointUrl: `http://[::1]:${port()}`, queueName: 'q' }),
      '::1',
    ],
    [
      'a queue URL on 10.0.0.1',
      () => ({ queueUrl: 'https://10.0.0.1/000000000000/q' }),
      '10.0.0.1',
    ],
    [
      'a queue URL on the metadata address',
      () => ({ queueUrl: 'http://169.254.169.254/latest/meta-data' }),
      '169.254.169.254',
    ],
  ])('refuses %s', async (_, fields, address) => {
    const result = await sender.send({ destination: destination(fields()), ...sent(bodyFor(1)) });
    expect(result).toMatchObject({ ok: false, failure: 'permanent', statusCode: null });
    expect(!result.ok && result.message).toBe(
      `destination ${address} resolves to ${address}, a private or reserved address`,
    );
  });

  it('refuses a host name that resolves to a private address, before sending anything', async () => {
    const queue = await queues.create('ssrf');
    const viaName = `http://localhost:${port()}`;
    const result = await sender.send({
      destination: destination({
        queueUrl: queue.url.replace(queues.endpoint, viaName),
        endpointUrl: viaName,
      }),
      ...sent(bodyFor(1)),
    });
    expect(result).toMatchObject({ ok: false, failure: 'permanent', statusCode: null });
    expect(!result.ok && result.message).toMatch(
      /^destination localhost resolves to (127\.0\.0\.1|::1), a private or reserved address$/,
    );
    expect(await queues.receive(queue.url, 1)).toEqual([]);
  });
});
