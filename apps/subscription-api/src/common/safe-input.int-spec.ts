import type { INestApplication } from '@nestjs/common';
import { createService } from '@herald/runtime';
import { ApiClient, appUrl, testConfig } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';

/**
 * The strings an OpenAPI fuzzer got a 500 for (issue 14): NUL characters and unpaired surrogates in
 * events' data, event type schemas and field lists. JSON.stringify writes a lone surrogate as the
 * escape `\ud800`, as a JavaScript or Java client sends it.
 */
const CASES: { name: string; method: string; path: string; body?: unknown; field: string }[] = [
  {
    name: 'POST /v1/events: NUL in data',
    method: 'POST',
    path: '/v1/events',
    body: { type: 'meter.created', data: { note: NUL } },
    field: 'data.note',
  },
  {
    name: 'POST /v1/events: lone surrogate in a list that is the data',
    method: 'POST',
    path: '/v1/events',
    body: { type: 'meter.created', data: [{ meter_id: 'm-1' }, { meter_id: LONE_SURROGATE }] },
    field: 'data[1].meter_id',
  },
  {
    name: 'POST /v1/events: NUL in a key of data',
    method: 'POST',
    path: '/v1/events',
    body: { type: 'meter.created', data: { [NUL]: 1 } },
    field: 'data',
  },
  {
    name: 'POST /v1/events: lone surrogate in changed_fields',
    method: 'POST',
    path: '/v1/events',
    body: { type: 'meter.created', changed_fields: [LONE_SURROGATE], data: {} },
    field: 'changed_fields[0]',
  },
  {
    name: 'POST /v1/event-types: NUL in the schema',
    method: 'POST',
    path: '/v1/event-types',
    body: { name: 'meter.read', schema: { type: 'object', description: NUL } },
    field: 'schema.description',
  },
  {
    name: 'POST /v1/event-types: lone surrogate in a key of the schema',
    method: 'POST',
    path: '/v1/event-types',
    body: { name: 'meter.read', schema: { type: 'object', properties: { [LONE_SURROGATE]: {} } } },
    field: 'schema.properties',
  },
  {
    name: 'POST /v1/event-types: NUL in trigger_fields',
    method: 'POST',
    path: '/v1/event-types',
    body: { name: 'meter.read', trigger_fields: ['meter_id', NUL] },
    field: 'trigger_fields[1]',
  },
  {
    name: 'POST /v1/event-types: lone surrogate in payload_fields',
    method: 'POST',
    path: '/v1/event-types',
    body: { name: 'meter.read', payload_fields: [LONE_SURROGATE] },
    field: 'payload_fields[0]',
  },
  {
    name: 'POST /v1/event-types: lone surrogate in an example',
    method: 'POST',
    path: '/v1/event-types',
    body: { name: 'meter.read', examples: [{ meter_id: LONE_SURROGATE }] },
    field: 'examples[0].meter_id',
  },
  {
    name: 'PATCH /v1/event-types/{name}: lone surrogate in the schema',
    method: 'PATCH',
    path: '/v1/event-types/meter.created',
    body: { schema: { type: 'object', required: [LONE_SURROGATE] } },
    field: 'schema.required[0]',
  },
  {
    name: 'PATCH /v1/event-types/{name}: NUL in payload_fields',
    method: 'PATCH',
    path: '/v1/event-types/meter.created',
    body: { payload_fields: [NUL] },
    field: 'payload_fields[0]',
  },
  {
    name: 'PATCH /v1/event-types/{name}: NUL in trigger_fields',
    method: 'PATCH',
    path: '/v1/event-types/meter.created',
    body: { trigger_fields: [NUL] },
    field: 'trigger_fields[0]',
  },
  {
    name: 'PATCH /v1/event-types/{name}: NUL in the name',
    method: 'PATCH',
    path: '/v1/event-types/meter%00created',
    body: { description: 'x' },
    field: 'name',
  },
  {
    name: 'GET /v1/events: NUL in the type filter',
    method: 'GET',
    path: '/v1/events?type=meter%00',
    field: 'type',
  },
];

describe('NUL characters and unpaired surrogates on a real PostgreSQL', () => {
  let app: INestApplication;
  let client: ApiClient;

  beforeAll(async () => {
    const config = testConfig();
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    const operator = new ApiClient(appUrl(app), config.auth.adminToken);
    ({ client } = await operator.createTenant('safe-input'));
    const created = await client.request('POST', '/v1/event-types', { name: 'meter.created' });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each(CASES)(
    '$name: 422 invalid_text naming the field',
    async ({ method, path, body, field }) => {
      const answer = await client.request<ErrorBody>(method, path, body);
      expect({ status: answer.status, code: answer.body.error.code }).toEqual({
        status: 422,
        code: 'invalid_text',
      });
      expect(answer.body.error.details.map((detail) => detail.field)).toEqual([field]);
      expect(answer.body.error.message).toMatch(/NUL character|unpaired UTF-16 surrogate/);
    },
  );

  it('stores nothing that was refused, and takes the same requests once the text is clean', async () => {
    const types = await client.request<{ data: { name: string }[] }>('GET', '/v1/event-types');
    expect(types.body.data.map((type) => type.name)).toEqual(['meter.created']);
    const clean = await client.request('POST', '/v1/event-types', {
      name: 'meter.read',
      schema: { type: 'object', description: 'ab' },
      trigger_fields: ['meter_id'],
      payload_fields: ['meter_id'],
    });
    expect(clean.status).toBe(201);
    const event = await client.request('POST', '/v1/events', {
      type: 'meter.created',
      data: [{ meter_id: 'm-1' }, { meter_id: 'a\ud83d\ude00b' }],
    });
    expect(event.status).toBe(202);
  });
});
