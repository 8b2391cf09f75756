import type { INestApplication } from '@nestjs/common';
import { createService } from '@herald/runtime';
import { ApiClient, testConfig, appUrl, listQueryRefusals, refusalOf } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

/** Typed asymmetric matchers, so object literals in `toEqual` stay free of `any`. */
const anyString = (): string => expect.any(String) as string;
const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};
type EventTypeBody = {
  name: string;
  description: string;
  schema: Record<string, unknown> | null;
  trigger_fields: string[] | null;
  payload_fields: string[] | null;
  examples: unknown[];
  archived_at: string | null;
  created_at: string;
  updated_at: string;
};
type PageBody = { data: EventTypeBody[]; next_cursor: string | null };

const meterSchema = {
  type: 'object',
  required: ['meter_id'],
  properties: { meter_id: { type: 'string' } },
};

describe('event types on a real PostgreSQL', () => {
  let app: INestApplication;
  let operator: ApiClient;

  beforeAll(async () => {
    const config = testConfig();
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    const url = appUrl(app);
    operator = new ApiClient(url, config.auth.adminToken);
  });

  afterAll(async () => {
    await app.close();
  });

  it('creates an event type and gets it by name', async () => {
    const { client } = await operator.createTenant('catalog');
    const created = await client.request<EventTypeBody>('POST', '/v1/event-types', {
      name: 'meter_data.received',
      description: 'Meter readings arrived',
      schema: meterSchema,
      trigger_fields: ['meter.*'],
      payload_fields: ['meter_id', 'readings'],
      transformation: '{"event_id": event.type, "payload": event.data}',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: 'meter_data.received',
      description: 'Meter readings arrived',
      schema: meterSchema,
      trigger_fields: ['meter.*'],
      payload_fields: ['meter_id', 'readings'],
      transformation: '{"event_id": event.type, "payload": event.data}',
      examples: [],
      archived_at: null,
      created_at: anyString(),
      updated_at: anyString(),
    });
    const fetched = await client.request<EventTypeBody>(
      'GET',
      '/v1/event-types/meter_data.received',
    );
    expect(fetched).toEqual({ status: 200, body: created.body });
  });

  it('defaults description to empty and schema and field lists to null', async () => {
    const { client } = await operator.createTenant('defaults');
    const created = await client.request<EventTypeBody>('POST', '/v1/event-types', {
      name: 'user.created',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      description: '',
      schema: null,
      trigger_fields: null,
      payload_fields: null,
      transformation: null,
      examples: [],
    });
  });

  it('answers 409 conflict for a name the tenant already has, archived or not', async () => {
    const { client } = await operator.createTenant('conflict');
    await client.request('POST', '/v1/event-types', { name: 'meter.created' });
    const again = await client.request<ErrorBody>('POST', '/v1/event-types', {
      name: 'meter.created',
      description: 'second',
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'conflict',
      details: [{ field: 'name', message: 'already exists' }],
    });
    await client.request('DELETE', '/v1/event-types/meter.created');
    expect(
      (await client.request('POST', '/v1/event-types', { name: 'meter.created' })).status,
    ).toBe(409);
  });

  it('lists by name a page at a time, hiding archived types unless include_archived=true', async () => {
    const { client } = await operator.createTenant('pages');
    for (const name of ['c.three', 'a.one', 'd.four', 'b.two'])
      await client.request('POST', '/v1/event-types', { name });
    await client.request('DELETE', '/v1/event-types/c.three');

    const first = await client.request<PageBody>('GET', '/v1/event-types?limit=2');
    expect(first.body.data.map((t) => t.name)).toEqual(['a.one', 'b.two']);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await client.request<PageBody>(
      'GET',
      `/v1/event-types?limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.data.map((t) => t.name)).toEqual(['d.four']);
    expect(second.body.next_cursor).toBeNull();

    const all = await client.request<PageBody>('GET', '/v1/event-types?include_archived=true');
    expect(all.body.data.map((t) => t.name)).toEqual(['a.one', 'b.two', 'c.three', 'd.four']);
    expect(all.body.data[2].archived_at).toEqual(expect.any(String));
  });

  it('patches only the fields given, and null clears schema and field lists', async () => {
    const { client } = await operator.createTenant('patch');
    const created = await client.request<EventTypeBody>('POST', '/v1/event-types', {
      name: 'project.updated',
      description: 'before',
      schema: meterSchema,
      trigger_fields: ['project.address'],
      payload_fields: ['id'],
    });
    const described = await client.request<EventTypeBody>(
      'PATCH',
      '/v1/event-types/project.updated',
      {
        description: 'after',
      },
    );
    expect(described.status).toBe(200);
    expect(described.body).toMatchObject({
      description: 'after',
      schema: meterSchema,
      trigger_fields: ['project.address'],
      payload_fields: ['id'],
    });
    expect(described.body.updated_at >= created.body.updated_at).toBe(true);

    const cleared = await client.request<EventTypeBody>(
      'PATCH',
      '/v1/event-types/project.updated',
      {
        schema: null,
        trigger_fields: null,
        payload_fields: ['id', 'address'],
      },
    );
    expect(cleared.body).toMatchObject({
      description: 'after',
      schema: null,
      trigger_fields: null,
      payload_fields: ['id', 'address'],
    });
    expect((await client.request('GET', '/v1/event-types/project.updated')).body).toEqual(
      cleared.body,
    );
  });

  describe('examples', () => {
    /** Readings of a meter, as the README walkthrough publishes them. */
    const received = {
      meter_id: 'm-1',
      customer_id: 'c-1',
      start_date: '2024-05-01',
      end_date: '2024-05-02',
      granularity: 'hh',
    };
    const late = { ...received, meter_id: 'm-2', start_date: '2023-04-01' };

    it('keeps the examples given, shows them on get and list, replaces them on PATCH and clears them with null', async () => {
      const { client } = await operator.createTenant('examples');
      const created = await client.request<EventTypeBody>('POST', '/v1/event-types', {
        name: 'meter_data.received',
        schema: meterSchema,
        examples: [received, late],
      });
      expect(created.status).toBe(201);
      expect(created.body.examples).toEqual([received, late]);
      expect(
        (await client.request<EventTypeBody>('GET', '/v1/event-types/meter_data.received')).body,
      ).toEqual(created.body);
      const listed = await client.request<PageBody>('GET', '/v1/event-types');
      expect(listed.body.data).toEqual([created.body]);

      const described = await client.request<EventTypeBody>(
        'PATCH',
        '/v1/event-types/meter_data.received',
        { description: 'readings arrived' },
      );
      expect(described.body.examples).toEqual([received, late]);
      const replaced = await client.request<EventTypeBody>(
        'PATCH',
        '/v1/event-types/meter_data.received',
        { examples: [late] },
      );
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ examples: [late], schema: meterSchema });
      const cleared = await client.request<EventTypeBody>(
        'PATCH',
        '/v1/event-types/meter_data.received',
        { examples: null },
      );
      expect(cleared.body.examples).toEqual([]);
      expect(
        (await client.request<EventTypeBody>('GET', '/v1/event-types/meter_data.received')).body
          .examples,
      ).toEqual([]);
    });

    it('refuses examples that do not match the schema, naming each by index, on create and PATCH', async () => {
      const { client } = await operator.createTenant('examples-schema');
      const created = await client.request<ErrorBody>('POST', '/v1/event-types', {
        name: 'meter_data.received',
        schema: meterSchema,
        examples: [received, { customer_id: 'c-1' }, { meter_id: 42 }],
      });
      expect(created.status).toBe(422);
      expect(created.body.error).toEqual({
        code: 'validation_failed',
        message: expect.stringContaining('examples[1] does not match the schema') as string,
        details: [
          {
            field: 'examples[1]',
            message: 'does not match the schema: examples[1].meter_id is required',
          },
          {
            field: 'examples[2]',
            message: 'does not match the schema: examples[2].meter_id must be string',
          },
        ],
      });
      expect((await client.request('GET', '/v1/event-types/meter_data.received')).status).toBe(404);

      await client.request('POST', '/v1/event-types', {
        name: 'meter_data.received',
        schema: meterSchema,
        examples: [received],
      });
      const patched = await client.request<ErrorBody>(
        'PATCH',
        '/v1/event-types/meter_data.received',
        { examples: [late, { meter_id: null }] },
      );
      expect(patched.status).toBe(422);
      expect(patched.body.error.details).toEqual([
        {
          field: 'examples[1]',
          message: 'does not match the schema: examples[1].meter_id must be string',
        },
      ]);
      expect(
        (await client.request<EventTypeBody>('GET', '/v1/event-types/meter_data.received')).body
          .examples,
      ).toEqual([received]);
    });

    it('refuses a schema the stored examples do not match, unless the PATCH changes them too', async () => {
      const { client } = await operator.createTenant('examples-new-schema');
      await client.request('POST', '/v1/event-types', {
        name: 'meter_data.received',
        examples: [received],
      });
      const stricter = { ...meterSchema, required: ['meter_id', 'kwh'] };
      const refused = await client.request<ErrorBody>(
        'PATCH',
        '/v1/event-types/meter_data.received',
        { schema: stricter },
      );
      expect(refused.status).toBe(422);
      expect(refused.body.error.details).toEqual([
        { field: 'examples[0]', message: 'does not match the schema: examples[0].kwh is required' },
      ]);
      expect(
        (await client.request<EventTypeBody>('GET', '/v1/event-types/meter_data.received')).body,
      ).toMatchObject({ schema: null, examples: [received] });

      const both = await client.request<EventTypeBody>(
        'PATCH',
        '/v1/event-types/meter_data.received',
        { schema: stricter, examples: [{ ...received, kwh: 1.5 }] },
      );
      expect(both.status).toBe(200);
      expect(both.body).toMatchObject({ schema: stricter, examples: [{ ...received, kwh: 1.5 }] });
    });

    it.each([
      ['examples that are not a list', { examples: { meter_id: 'm-1' } }, 'must be an array'],
      [
        'more than 10 examples',
        { examples: Array.from({ length: 11 }, () => ({ meter_id: 'm-1' })) },
        'must have at most 10 entries',
      ],
      [
        'examples larger together than an event may be',
        { examples: [{ meter_id: 'a'.repeat(132_000) }, { meter_id: 'b'.repeat(132_000) }] },
        'must be at most 262144 bytes of JSON together (HERALD_MAX_EVENT_BYTES); these are 264033',
      ],
    ])('refuses %s with 422 naming examples', async (_name, body, message) => {
      const { client } = await operator.createTenant('examples-validation');
      const created = await client.request<ErrorBody>('POST', '/v1/event-types', {
        name: 'a.b',
        ...body,
      });
      expect(created.status).toBe(422);
      expect(created.body.error.details).toEqual([{ field: 'examples', message }]);
      await client.request('POST', '/v1/event-types', { name: 'a.b' });
      const patched = await client.request<ErrorBody>('PATCH', '/v1/event-types/a.b', body);
      expect(patched.status).toBe(422);
      expect(patched.body.error.details).toEqual([{ field: 'examples', message }]);
    });
  });

  it('archives on DELETE (200 with the type) and unarchives', async () => {
    const { client } = await operator.createTenant('archive');
    await client.request('POST', '/v1/event-types', { name: 'customer.created', description: 'x' });
    const archived = await client.request<EventTypeBody>(
      'DELETE',
      '/v1/event-types/customer.created',
    );
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ name: 'customer.created', description: 'x' });
    expect(archived.body.archived_at).toEqual(expect.any(String));

    const again = await client.request<EventTypeBody>('DELETE', '/v1/event-types/customer.created');
    expect(again.body.archived_at).toBe(archived.body.archived_at);
    expect((await client.request<PageBody>('GET', '/v1/event-types')).body.data).toEqual([]);
    const fetched = await client.request<EventTypeBody>('GET', '/v1/event-types/customer.created');
    expect(fetched.body.archived_at).toBe(archived.body.archived_at);

    const unarchived = await client.request<EventTypeBody>(
      'POST',
      '/v1/event-types/customer.created/unarchive',
    );
    expect(unarchived.status).toBe(200);
    expect(unarchived.body).toMatchObject({ name: 'customer.created', archived_at: null });
    expect(
      (await client.request<PageBody>('GET', '/v1/event-types')).body.data.map((t) => t.name),
    ).toEqual(['customer.created']);
  });

  it('addresses names with a slash when it is percent-encoded', async () => {
    const { client } = await operator.createTenant('slash');
    const name = 'node/datum.stored';
    expect((await client.request('POST', '/v1/event-types', { name })).status).toBe(201);
    const path = `/v1/event-types/${encodeURIComponent(name)}`;
    expect((await client.request<EventTypeBody>('GET', path)).body.name).toBe(name);
    expect((await client.request('PATCH', path, { description: 'd' })).status).toBe(200);
    expect((await client.request('DELETE', path)).status).toBe(200);
    expect((await client.request('POST', `${path}/unarchive`)).status).toBe(200);
  });

  it.each([
    ['name missing', {}, 'name', 'is required'],
    [
      'a name with a space',
      { name: 'meter data' },
      'name',
      'must be dot-separated words of letters, digits, _ - /, e.g. meter_data.received',
    ],
    [
      'a glob as name',
      { name: 'meter.*' },
      'name',
      'must be dot-separated words of letters, digits, _ - /, e.g. meter_data.received',
    ],
    ['a long name', { name: 'a'.repeat(201) }, 'name', 'must be at most 200 characters'],
    ['a number description', { name: 'a.b', description: 5 }, 'description', 'must be a string'],
    [
      'a schema that is not an object',
      { name: 'a.b', schema: 'x' },
      'schema',
      'must be a JSON object',
    ],
    [
      'trigger_fields that are not strings',
      { name: 'a.b', trigger_fields: [1] },
      'trigger_fields',
      'must be an array of strings',
    ],
    [
      'payload_fields that are not a list',
      { name: 'a.b', payload_fields: 'id' },
      'payload_fields',
      'must be an array of strings',
    ],
    ['an unknown field', { name: 'a.b', colour: 'red' }, 'colour', 'is not a known field'],
  ])('refuses %s with 422 naming the field', async (_name, body, field, message) => {
    const { client } = await operator.createTenant('validation');
    const response = await client.request<ErrorBody>('POST', '/v1/event-types', body);
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details).toContainEqual({ field, message });
  });

  it.each([
    ['an unknown type keyword', { type: 'nonsense' }],
    ['an unresolvable $ref', { $ref: '#/definitions/missing' }],
    ['a non-numeric minimum', { type: 'number', minimum: 'zero' }],
  ])('refuses a schema with %s as 422 naming schema', async (_name, schema) => {
    const { client } = await operator.createTenant('bad-schema');
    const created = await client.request<ErrorBody>('POST', '/v1/event-types', {
      name: 'a.b',
      schema,
    });
    expect(created.status).toBe(422);
    expect(created.body.error.details).toEqual([
      { field: 'schema', message: matching(/^is not a valid JSON Schema: /) },
    ]);
    await client.request('POST', '/v1/event-types', { name: 'a.b' });
    const patched = await client.request<ErrorBody>('PATCH', '/v1/event-types/a.b', { schema });
    expect(patched.status).toBe(422);
    expect(patched.body.error.details[0].field).toBe('schema');
  });

  it.each([
    ['a null description', { description: null }, 'description', 'must be a string'],
    ['a rename', { name: 'other.name' }, 'name', 'is not a known field'],
    ['a body that is not an object', [], 'body', 'must be a JSON object'],
  ])('refuses a PATCH with %s, naming the field', async (_name, body, field, message) => {
    const { client } = await operator.createTenant('patch-validation');
    await client.request('POST', '/v1/event-types', { name: 'a.b' });
    const response = await client.request<ErrorBody>('PATCH', '/v1/event-types/a.b', body);
    expect(response.status).toBe(422);
    expect(response.body.error.details).toContainEqual({ field, message });
  });

  it.each([
    ['limit=0', 'limit'],
    ['cursor=bm90IGEgbmFtZQ', 'cursor'],
    ['include_archived=maybe', 'include_archived'],
  ])('refuses a list with %s, naming the parameter', async (query, field) => {
    const { client } = await operator.createTenant('list-validation');
    const response = await client.request<ErrorBody>('GET', `/v1/event-types?${query}`);
    expect(response.status).toBe(422);
    expect(response.body.error.details[0].field).toBe(field);
  });

  it.each(listQueryRefusals('archived'))(
    'refuses %s on the event-type list with 422 naming it, as every list does',
    async (_name, query, answer) => {
      const { client } = await operator.createTenant('list-query');
      expect(refusalOf(await client.request('GET', `/v1/event-types?${query}`))).toEqual(answer);
    },
  );

  it.each([
    ['GET', '/v1/event-types/nothing.here', undefined],
    ['PATCH', '/v1/event-types/nothing.here', { description: 'x' }],
    ['DELETE', '/v1/event-types/nothing.here', undefined],
    ['POST', '/v1/event-types/nothing.here/unarchive', undefined],
  ])('answers %s %s with 404 not_found', async (method, path, body) => {
    const { client } = await operator.createTenant('missing');
    const response = await client.request<ErrorBody>(method, path, body);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('keeps catalogs apart: another tenant’s type answers 404, leaking nothing, and is left as it was', async () => {
    const owner = await operator.createTenant('owner');
    const intruder = await operator.createTenant('intruder');
    await owner.client.request('POST', '/v1/event-types', {
      name: 'hosted_consent.approved',
      description: 'owner-only-description',
      schema: meterSchema,
    });
    for (const [method, path, body] of [
      ['GET', '/v1/event-types/hosted_consent.approved', undefined],
      ['PATCH', '/v1/event-types/hosted_consent.approved', { description: 'hijacked' }],
      ['DELETE', '/v1/event-types/hosted_consent.approved', undefined],
      ['POST', '/v1/event-types/hosted_consent.approved/unarchive', undefined],
    ] as const) {
      const response = await intruder.client.request<ErrorBody>(method, path, body);
      expect(response.status).toBe(404);
      expect(JSON.stringify(response.body)).not.toContain('owner-only-description');
      expect(JSON.stringify(response.body)).not.toContain('meter_id');
    }
    const list = await intruder.client.request<PageBody>(
      'GET',
      '/v1/event-types?include_archived=true',
    );
    expect(list.body.data).toEqual([]);
    expect(
      (await owner.client.request<EventTypeBody>('GET', '/v1/event-types/hosted_consent.approved'))
        .body,
    ).toMatchObject({ description: 'owner-only-description', archived_at: null });

    const own = await intruder.client.request<EventTypeBody>('POST', '/v1/event-types', {
      name: 'hosted_consent.approved',
      description: 'mine',
    });
    expect(own.status).toBe(201);
    expect(own.body.description).toBe('mine');
  });

  it('is a tenant route: the operator token gets 403 and no token 401', async () => {
    expect((await operator.request<ErrorBody>('GET', '/v1/event-types')).status).toBe(403);
    expect((await operator.withToken(null).request('GET', '/v1/event-types')).status).toBe(401);
  });
});
