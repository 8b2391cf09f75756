import type { Producer } from 'kafkajs';
import {
  ApiClient,
  waitFor,
  type WebhookReceiver,
  type ReceivedRequest,
  verifyWebhook,
} from '@herald/testing';
import { startPipeline, type PipelineFixture, type RunningHerald } from './support/herald-harness';
import { exampleTransformation } from './support/example-transformations';

/**
 * The message SolarNetwork's node event hooks send for an aggregate. Seed 000 (the announcement)
 * shows none; the SolarUser Event Hook API it links says every event carries its `topic` and that
 * Aggregate Updated (`datum/agg/update`) carries `aggregationKey` and `timestamp` (the aggregate's
 * start, epoch milliseconds), and its SQS hook service sends the hook task's `hookId`, `userId`,
 * `nodeId` and `sourceId` with the event's own properties. The ids are numbers there; the values
 * here are illustrative.
 */
const DOCUMENTED_MESSAGE = {
  topic: 'datum/agg/update',
  userId: 42,
  hookId: 7,
  nodeId: 1,
  sourceId: '/test/a',
  aggregationKey: 'h',
  timestamp: 1592557200000,
};
type HookMessage = Omit<typeof DOCUMENTED_MESSAGE, 'hookId'> & { hookId: unknown };

/**
 * SolarNetwork's node event hooks (seed 000): aggregate processing raises `datum/agg/update` for a
 * node and source; a hook limited to some nodes and an Ant pattern of sources gets only those.
 */
describe('seed: SolarNetwork node event hooks', () => {
  let fixture: PipelineFixture;
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  let producer: Producer;

  beforeAll(async () => {
    fixture = await startPipeline('solarnetwork-aggregator');
    ({ herald, receiver, operator, producer } = fixture);
  });

  afterAll(() => fixture.stop());

  const requestsTo = (path: string): ReceivedRequest[] => receiver.distinctRequestsTo(path);

  function verify(secret: string, request: ReceivedRequest): DatumBody {
    return verifyWebhook<DatumBody>(secret, request);
  }

  type DatumBody = {
    id: string;
    type: string;
    timestamp: string;
    subscription_id: string;
    delivery_id: string;
    data: { nodeId: number; sourceId: string; aggregationKey: string; timestamp: string };
  };

  const datumEvent = (tenantId: string, nodeId: number, sourceId: string) => ({
    id: `agg-${nodeId}-${sourceId.replace(/\//g, '_')}`,
    tenant_id: tenantId,
    type: 'datum/agg/update',
    subject: `node/${nodeId}/source${sourceId}`,
    occurred_at: '2020-06-19T10:00:00Z',
    data: {
      nodeId,
      sourceId,
      aggregationKey: 'h',
      timestamp: '2020-06-19T09:00:00Z',
    },
  });

  it('delivers datum/agg/update only for nodes 1 and 2 and sources under /test', async () => {
    const { tenantId, client } = await operator.createTenant('SolarNetwork user 42');
    const hook = await client.request<{ id: string; secret: string; filter: unknown }>(
      'POST',
      '/v1/subscriptions',
      {
        description: 'aggregate processing of my test sources',
        event_types: ['datum/agg/update'],
        destination: { type: 'webhook', url: `${receiver.url}/solarnetwork/agg` },
        filter: { 'data.nodeId': { $in: [1, 2] }, 'data.sourceId': { $glob: '/test/**' } },
      },
    );
    expect(hook.status).toBe(201);
    expect(hook.body.filter).toEqual({
      'data.nodeId': { $in: [1, 2] },
      'data.sourceId': { $glob: '/test/**' },
    });

    const nodes = [1, 2, 3];
    const sources = ['/test/a', '/test/a/b', '/prod/a', '/testing'];
    const grid = nodes.flatMap((nodeId) =>
      sources.map((sourceId) => datumEvent(tenantId, nodeId, sourceId)),
    );
    await producer.send({
      topic: 'herald.events.inbound',
      messages: grid.map((event) => ({ key: tenantId, value: JSON.stringify(event) })),
    });

    const expected = [
      [1, '/test/a'],
      [1, '/test/a/b'],
      [2, '/test/a'],
      [2, '/test/a/b'],
    ];
    const received = await waitFor('the four matching aggregates', () => {
      const requests = requestsTo('/solarnetwork/agg');
      return requests.length >= expected.length && requests;
    });
    const bodies = received.map((request) => verify(hook.body.secret, request));
    expect(bodies.map((body) => [body.data.nodeId, body.data.sourceId]).sort()).toEqual(
      expected.sort(),
    );
    for (const body of bodies) {
      const sent = datumEvent(tenantId, body.data.nodeId, body.data.sourceId);
      expect(body).toEqual({
        id: sent.id,
        type: 'datum/agg/update',
        timestamp: '2020-06-19T10:00:00.000Z',
        subscription_id: hook.body.id,
        delivery_id: expect.stringMatching(/^dlv_/) as unknown,
        data: sent.data,
      });
    }

    // Every combination was accepted and stored, so the eight others were matched and refused,
    // not merely late; a short wait shows nothing else trickles in.
    const stored = await waitFor('all twelve aggregates stored', async () => {
      const page = await client.request<{ data: { subject: string }[] }>(
        'GET',
        '/v1/events?type=datum/agg/update&limit=100',
      );
      return page.body.data.length >= grid.length && page.body.data;
    });
    expect(stored.map((event) => event.subject).sort()).toEqual(
      grid.map((event) => event.subject).sort(),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(requestsTo('/solarnetwork/agg')).toHaveLength(expected.length);
  });

  it('filters on the subject too, and another hook of the same user sees every node', async () => {
    const { tenantId, client } = await operator.createTenant('SolarNetwork user 43');
    const bySubject = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['datum/agg/update'],
      destination: { type: 'webhook', url: `${receiver.url}/solarnetwork/subject` },
      filter: { subject: { $glob: 'node/3/source/prod/**' } },
    });
    const everything = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['datum/agg/update'],
      destination: { type: 'webhook', url: `${receiver.url}/solarnetwork/all` },
    });
    expect([bySubject.status, everything.status]).toEqual([201, 201]);

    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        datumEvent(tenantId, 3, '/prod/a'),
        datumEvent(tenantId, 3, '/test/a'),
        datumEvent(tenantId, 1, '/prod/a'),
      ].map((event) => ({ key: tenantId, value: JSON.stringify(event) })),
    });

    const all = await waitFor('all three aggregates at the unfiltered hook', () => {
      const requests = requestsTo('/solarnetwork/all');
      return requests.length >= 3 && requests;
    });
    expect(all).toHaveLength(3);
    // An empty list is not the aggregate: wait until it has come.
    const matched = await waitFor('the node 3 /prod aggregate', () => {
      const requests = requestsTo('/solarnetwork/subject');
      return requests.length >= 1 && requests;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(requestsTo('/solarnetwork/subject')).toHaveLength(1);
    expect(JSON.parse(matched[0].body)).toMatchObject({
      data: { nodeId: 3, sourceId: '/prod/a' },
    });
  });

  it('sends the hook message, field by field, with examples/transformations/solarnetwork.jsonata', async () => {
    const { tenantId, client } = await operator.createTenant('SolarNetwork user 45');
    const datum = (nodeId: number, sourceId: string) => ({
      userId: DOCUMENTED_MESSAGE.userId,
      nodeId,
      sourceId,
      aggregationKey: DOCUMENTED_MESSAGE.aggregationKey,
      timestamp: DOCUMENTED_MESSAGE.timestamp,
    });
    const type = await client.request<{ examples: unknown[] }>('POST', '/v1/event-types', {
      name: DOCUMENTED_MESSAGE.topic,
      description: 'Aggregate datum computation',
      examples: [datum(DOCUMENTED_MESSAGE.nodeId, DOCUMENTED_MESSAGE.sourceId)],
    });
    expect(type.status).toBe(201);
    const transformation = exampleTransformation('solarnetwork');
    const hook = await client.request<{
      id: string;
      secret: string;
      transformation: string;
      metadata: unknown;
    }>('POST', '/v1/subscriptions', {
      description: 'aggregate processing of my test sources, as SolarNetwork messages',
      event_types: [DOCUMENTED_MESSAGE.topic],
      destination: { type: 'webhook', url: `${receiver.url}/solarnetwork/message` },
      filter: { 'data.nodeId': { $in: [1, 2] }, 'data.sourceId': { $glob: '/test/**' } },
      transformation,
      // SolarNetwork's numeric hook id, kept with the subscription for its transformation.
      metadata: { hookId: DOCUMENTED_MESSAGE.hookId },
    });
    expect(hook.status).toBe(201);
    expect(hook.body.transformation).toBe(transformation);
    expect(hook.body.metadata).toEqual({ hookId: DOCUMENTED_MESSAGE.hookId });

    const sent = [
      datum(DOCUMENTED_MESSAGE.nodeId, DOCUMENTED_MESSAGE.sourceId),
      datum(3, '/test/a'),
      datum(2, '/test/a/b'),
    ];
    await producer.send({
      topic: 'herald.events.inbound',
      messages: sent.map((data) => ({
        key: tenantId,
        value: JSON.stringify({
          tenant_id: tenantId,
          type: DOCUMENTED_MESSAGE.topic,
          subject: `node/${data.nodeId}/source${data.sourceId}`,
          occurred_at: '2020-06-19T10:00:00Z',
          data,
        }),
      })),
    });

    const received = await waitFor('the two aggregates of nodes 1 and 2', () => {
      const requests = requestsTo('/solarnetwork/message');
      return requests.length >= 2 && requests;
    });
    await waitFor('all three aggregates stored', async () => {
      const page = await client.request<{ data: unknown[] }>('GET', '/v1/events?limit=100');
      return page.body.data.length >= sent.length;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(requestsTo('/solarnetwork/message')).toHaveLength(2);

    // The signature covers exactly the bytes received.
    const messages = received.map((request) =>
      verifyWebhook<HookMessage>(hook.body.secret, request),
    );
    expect(messages.map((message) => [message.nodeId, message.sourceId]).sort()).toEqual([
      [1, '/test/a'],
      [2, '/test/a/b'],
    ]);
    for (const message of messages) {
      // The documented fields in the documented order, and no others.
      expect(Object.keys(message)).toEqual(Object.keys(DOCUMENTED_MESSAGE));
      expect(message.topic).toBe(DOCUMENTED_MESSAGE.topic);
      expect(message.userId).toBe(DOCUMENTED_MESSAGE.userId);
      expect(message.aggregationKey).toBe(DOCUMENTED_MESSAGE.aggregationKey);
      expect(message.timestamp).toBe(DOCUMENTED_MESSAGE.timestamp);
      expect(typeof message.nodeId).toBe('number');
      expect(typeof message.sourceId).toBe('string');
      // The hook's own numeric id, from the subscription's metadata.
      expect(message.hookId).toBe(DOCUMENTED_MESSAGE.hookId);
    }
    // Exactly the documented message: every field, its value and its JSON type.
    expect(messages.find((message) => message.nodeId === 1)).toEqual(DOCUMENTED_MESSAGE);
  });

  it('lists sqs among the hook services with its settings, the secret key marked secret', async () => {
    const { client } = await operator.createTenant('SolarNetwork user 44');
    const listed = await client.request<{
      data: {
        type: string;
        name: string;
        description: string;
        settings: { name: string; type: string; required: boolean; secret: boolean }[];
      }[];
    }>('GET', '/v1/destination-types');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((entry) => entry.type)).toEqual(
      expect.arrayContaining(['webhook', 'sqs']),
    );
    const sqs = listed.body.data.find((entry) => entry.type === 'sqs');
    expect(sqs?.name).toEqual(expect.any(String));
    expect(sqs?.description).toMatch(/SQS/);
    const settings = Object.fromEntries(
      (sqs?.settings ?? []).map((setting) => [setting.name, setting]),
    );
    expect(settings.region).toMatchObject({ type: 'string', required: true, secret: false });
    expect(settings.queue_name).toMatchObject({ secret: false });
    expect(settings.access_key_id).toMatchObject({ secret: false });
    expect(settings.secret_access_key).toMatchObject({ secret: true });

    const anonymous = await new ApiClient(herald.apiUrl, null).request(
      'GET',
      '/v1/destination-types',
    );
    expect(anonymous.status).toBe(401);
  });
});
