import type { Producer } from 'kafkajs';
import {
  type ApiClient,
  waitFor,
  type WebhookReceiver,
  type ReceivedRequest,
  verifyWebhook,
} from '@herald/testing';
import { startPipeline, untilIngestKnows, type PipelineFixture } from './support/herald-harness';
import { exampleTransformation } from './support/example-transformations';

type DeliveredBody = {
  id: string;
  type: string;
  timestamp: string;
  subscription_id: string;
  delivery_id: string;
  data: Record<string, unknown>;
};

const CONTACT = {
  id: 88412,
  first_name: 'Jane',
  family_name: 'Citizen',
  email: 'jane.citizen@example.com',
  phone: '+61 400 123 456',
};

/** An OpenSolar project as its org webhooks carry it: the project with its systems, and its contact. */
function projectData(
  changes: { address?: string; notes?: string; email?: string } = {},
): Record<string, unknown> {
  return {
    project: {
      id: 1250731,
      identifier: 'CITIZEN-0042',
      address: changes.address ?? '12 Sunny Road',
      zip: '4000',
      state: 'QLD',
      country_iso2: 'AU',
      notes: changes.notes ?? 'Call before visiting',
      stage: 2,
      systems: [
        {
          id: 301,
          modules: [{ code: 'REC400AA', manufacturer_name: 'REC', quantity: 20 }],
          inverters: [{ code: 'SE8250H', manufacturer_name: 'SolarEdge', quantity: 1 }],
          batteries: [],
          price_including_tax: 14990.5,
          kw_stc: 8,
        },
        {
          id: 302,
          modules: [{ code: 'Q.PEAK DUO ML-G10+', manufacturer_name: 'Qcells', quantity: 24 }],
          inverters: [{ code: 'SYMO 8.2-3-M', manufacturer_name: 'Fronius', quantity: 1 }],
          batteries: [{ code: 'Powerwall 2', manufacturer_name: 'Tesla', quantity: 1 }],
          price_including_tax: 24500,
          kw_stc: 9.6,
        },
      ],
    },
    contact: { ...CONTACT, email: changes.email ?? CONTACT.email },
  };
}

/**
 * The body OpenSolar's webhooks send, quoted from its "Structure" page
 * (developers.opensolar.com/api/webhooks-structure; seed 002, the webhooks overview, shows none):
 * "timestamp: A timestamp of when the event occured. identifier: A unique identifier … model: The
 * model that triggered the webhook. model_id: The primary key of the model instance. event: CREATE,
 * UPDATE, DELETE. event_id: The id of this particular webhook event. fields: Contains the fields that
 * are part of the model. Note this is only for CREATE/UPDATE." (`fields` is `{...}` there.)
 */
const DOCUMENTED_BODY = {
  timestamp: '1605831713',
  model: 'Project',
  model_id: 1,
  identifier: '6ab6a60d-1a4d-4374-88af-92f7c02e3223',
  event: 'UPDATE',
  event_id: 1,
  fields: {} as Record<string, unknown>,
};
type OpenSolarBody = Omit<typeof DOCUMENTED_BODY, 'fields'> & { fields?: Record<string, unknown> };

/** OpenSolar's org webhooks (seed 002): trigger fields, payload fields, defaults, headers, enabled. */
describe('seed: OpenSolar org webhooks', () => {
  let fixture: PipelineFixture;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  let producer: Producer;

  beforeAll(async () => {
    fixture = await startPipeline('opensolar-app');
    ({ receiver, operator, producer } = fixture);
  });

  afterAll(() => fixture.stop());

  const requestsTo = (path: string): ReceivedRequest[] => receiver.distinctRequestsTo(path);

  function verify(secret: string, request: ReceivedRequest): DeliveredBody {
    return verifyWebhook<DeliveredBody>(secret, request);
  }

  type ProjectEvent = {
    id: string;
    type: string;
    subject?: string;
    occurred_at?: string;
    changed_fields?: string[];
    data: Record<string, unknown>;
  };

  async function publish(tenantId: string, events: ProjectEvent[]): Promise<void> {
    await producer.send({
      topic: 'herald.events.inbound',
      messages: events.map((event) => ({
        key: tenantId,
        value: JSON.stringify({ tenant_id: tenantId, subject: 'project/1250731', ...event }),
      })),
    });
  }

  /** Waits until ingest has stored every event, so any that was not delivered was refused, not late. */
  async function allStored(client: ApiClient, count: number): Promise<void> {
    await waitFor(`${count} events stored`, async () => {
      const page = await client.request<{ data: unknown[] }>('GET', '/v1/events?limit=100');
      return page.body.data.length >= count;
    });
  }

  it('fires only when a trigger field changed, and delivers only the payload fields', async () => {
    const { tenantId, client } = await operator.createTenant('OpenSolar org 1001');
    const hook = await client.request<{
      id: string;
      secret: string;
      trigger_fields: string[];
      payload_fields: string[];
      destination: { headers: Record<string, string> };
    }>('POST', '/v1/subscriptions', {
      event_types: ['project.*'],
      destination: {
        type: 'webhook',
        url: `${receiver.url}/opensolar/crm`,
        headers: { Authorization: 'Token 9f2c1d7e-opensolar' },
      },
      enabled: true,
      debug: false,
      trigger_fields: ['project.address', 'contact.*'],
      payload_fields: ['project.id', 'project.address', 'project.systems.modules', 'contact.*'],
    });
    expect(hook.status).toBe(201);
    expect(hook.body.trigger_fields).toEqual(['project.address', 'contact.*']);
    expect(hook.body.destination.headers).toEqual({ Authorization: '********' });

    await publish(tenantId, [
      { id: 'p-created', type: 'project.created', data: projectData() },
      {
        id: 'p-notes',
        type: 'project.updated',
        changed_fields: ['project.notes'],
        data: projectData({ notes: 'Dog in the yard' }),
      },
      {
        id: 'p-address',
        type: 'project.updated',
        changed_fields: ['project.address', 'project.notes'],
        data: projectData({ address: '14 Sunny Road', notes: 'Moved next door' }),
      },
      {
        id: 'p-price',
        type: 'project.updated',
        changed_fields: ['project.systems.price_including_tax'],
        data: projectData({ address: '14 Sunny Road' }),
      },
      {
        id: 'p-email',
        type: 'project.updated',
        changed_fields: ['contact.email'],
        data: projectData({ address: '14 Sunny Road', email: 'jane@citizen.example' }),
      },
      { id: 'p-deleted', type: 'project.deleted', data: { project: { id: 1250731 } } },
    ]);

    const received = await waitFor('the four triggered webhooks', () => {
      const requests = requestsTo('/opensolar/crm');
      return requests.length >= 4 && requests;
    });
    await allStored(client, 6);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(requestsTo('/opensolar/crm')).toHaveLength(4);

    for (const request of received) {
      expect(request.headers.authorization).toBe('Token 9f2c1d7e-opensolar');
    }
    const bodies = new Map(
      received.map((request) => {
        const body = verify(hook.body.secret, request);
        return [body.id, body];
      }),
    );
    expect([...bodies.keys()].sort()).toEqual(['p-address', 'p-created', 'p-deleted', 'p-email']);

    const modulesOnly = [
      { modules: [{ code: 'REC400AA', manufacturer_name: 'REC', quantity: 20 }] },
      { modules: [{ code: 'Q.PEAK DUO ML-G10+', manufacturer_name: 'Qcells', quantity: 24 }] },
    ];
    expect(bodies.get('p-created')).toMatchObject({
      type: 'project.created',
      subscription_id: hook.body.id,
    });
    expect(bodies.get('p-created')?.data).toEqual({
      project: { id: 1250731, address: '12 Sunny Road', systems: modulesOnly },
      contact: CONTACT,
    });
    expect(bodies.get('p-address')?.data).toEqual({
      project: { id: 1250731, address: '14 Sunny Road', systems: modulesOnly },
      contact: CONTACT,
    });
    expect(bodies.get('p-email')?.data).toEqual({
      project: { id: 1250731, address: '14 Sunny Road', systems: modulesOnly },
      contact: { ...CONTACT, email: 'jane@citizen.example' },
    });
    expect(bodies.get('p-deleted')).toMatchObject({
      type: 'project.deleted',
      data: { project: { id: 1250731 } },
    });
    expect(bodies.get('p-deleted')?.data).toEqual({ project: { id: 1250731 } });
  });

  it('uses the event type’s default trigger and payload fields when the hook leaves them null', async () => {
    const { tenantId, client } = await operator.createTenant('OpenSolar org 1002');
    const eventType = await client.request('POST', '/v1/event-types', {
      name: 'project.updated',
      description: 'A project was changed in OpenSolar',
      trigger_fields: ['contact.*', 'project.address', 'project.stage', 'project.systems.modules'],
      payload_fields: ['contact.email', 'project.id', 'project.stage', 'project.systems.kw_stc'],
    });
    expect(eventType.status).toBe(201);
    const hook = await client.request<{
      id: string;
      secret: string;
      trigger_fields: null;
      payload_fields: null;
    }>('POST', '/v1/subscriptions', {
      event_types: ['project.updated'],
      destination: { type: 'webhook', url: `${receiver.url}/opensolar/defaults` },
      trigger_fields: null,
      payload_fields: null,
    });
    expect(hook.status).toBe(201);
    expect([hook.body.trigger_fields, hook.body.payload_fields]).toEqual([null, null]);
    // A hook that names its own fields is not given the defaults.
    const own = await client.request<{ id: string; secret: string }>('POST', '/v1/subscriptions', {
      event_types: ['project.updated'],
      destination: { type: 'webhook', url: `${receiver.url}/opensolar/own-fields` },
      trigger_fields: ['project.notes'],
      payload_fields: ['project.notes'],
    });
    expect(own.status).toBe(201);

    await publish(tenantId, [
      {
        id: 'd-notes',
        type: 'project.updated',
        changed_fields: ['project.notes'],
        data: projectData({ notes: 'Roof is tin' }),
      },
      {
        id: 'd-modules',
        type: 'project.updated',
        changed_fields: ['project.systems.modules'],
        data: projectData(),
      },
    ]);

    const [defaulted] = await waitFor(
      'the hook with defaults',
      () => requestsTo('/opensolar/defaults').length > 0 && requestsTo('/opensolar/defaults'),
    );
    const [owned] = await waitFor(
      'the hook with its own fields',
      () => requestsTo('/opensolar/own-fields').length > 0 && requestsTo('/opensolar/own-fields'),
    );
    await allStored(client, 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(requestsTo('/opensolar/defaults')).toHaveLength(1);
    expect(requestsTo('/opensolar/own-fields')).toHaveLength(1);

    expect(verify(hook.body.secret, defaulted)).toMatchObject({
      id: 'd-modules',
      data: {
        contact: { email: CONTACT.email },
        project: { id: 1250731, stage: 2, systems: [{ kw_stc: 8 }, { kw_stc: 9.6 }] },
      },
    });
    expect(verify(hook.body.secret, defaulted).data).toEqual({
      contact: { email: CONTACT.email },
      project: { id: 1250731, stage: 2, systems: [{ kw_stc: 8 }, { kw_stc: 9.6 }] },
    });
    expect(verify(own.body.secret, owned)).toMatchObject({
      id: 'd-notes',
      data: { project: { notes: 'Roof is tin' } },
    });
    expect(verify(own.body.secret, owned).data).toEqual({ project: { notes: 'Roof is tin' } });
  });

  it('sends the documented body, field by field, with examples/transformations/opensolar.jsonata on the event types', async () => {
    const { tenantId, client } = await operator.createTenant('OpenSolar org 1004');
    const transformation = exampleTransformation('opensolar');
    for (const name of [
      'project.created',
      'project.updated',
      'project.deleted',
      'contact.updated',
    ]) {
      const type = await client.request<{ transformation: string }>('POST', '/v1/event-types', {
        name,
        transformation,
      });
      expect(type.status).toBe(201);
      expect(type.body.transformation).toBe(transformation);
    }
    // Created as seed 002's sample POST does: headers as a JSON-encoded string.
    const hook = await client.request<{ id: string; secret: string; transformation: null }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['project.*', 'contact.*'],
        destination: {
          type: 'webhook',
          url: `${receiver.url}/opensolar/structure`,
          headers: '{"Authorization": "Token <your-token>"}',
        },
        enabled: true,
        debug: false,
        trigger_fields: ['contact.*', 'project.address'],
        payload_fields: [
          'contact.*',
          'project.identifier',
          'project.address',
          'project.zip',
          'project.stage',
        ],
      },
    );
    expect(hook.status).toBe(201);
    expect(hook.body.transformation).toBeNull();

    const documentedProject = {
      id: DOCUMENTED_BODY.model_id,
      identifier: DOCUMENTED_BODY.identifier,
      address: '12 Sunny Road',
      zip: '4000',
      stage: 2,
      notes: 'Call before visiting',
    };
    await publish(tenantId, [
      {
        id: String(DOCUMENTED_BODY.event_id),
        type: 'project.updated',
        subject: `project/${DOCUMENTED_BODY.model_id}`,
        occurred_at: '2020-11-20T00:21:53Z',
        changed_fields: ['project.address'],
        data: { project: documentedProject },
      },
      {
        id: '2',
        type: 'project.created',
        occurred_at: '2020-11-20T00:21:54Z',
        data: projectData(),
      },
      {
        id: '3',
        type: 'project.deleted',
        occurred_at: '2020-11-20T00:22:00Z',
        data: { project: { id: 1250731, identifier: 'CITIZEN-0042' } },
      },
      {
        id: '4',
        type: 'contact.updated',
        subject: `contact/${CONTACT.id}`,
        occurred_at: '2020-11-20T00:23:00.900Z',
        changed_fields: ['contact.email'],
        data: { contact: { ...CONTACT, identifier: 'SF-0031' } },
      },
      {
        id: '5',
        type: 'project.updated',
        subject: `project/${DOCUMENTED_BODY.model_id}`,
        occurred_at: '2020-11-20T00:24:00Z',
        changed_fields: ['project.notes'],
        data: { project: { ...documentedProject, notes: 'Not a trigger field' } },
      },
    ]);

    const received = await waitFor('the four triggered webhooks', () => {
      const requests = requestsTo('/opensolar/structure');
      return requests.length >= 4 && requests;
    });
    await allStored(client, 5);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(requestsTo('/opensolar/structure')).toHaveLength(4);

    const bodies = new Map<number, OpenSolarBody>();
    for (const request of received) {
      expect(request.headers.authorization).toBe('Token <your-token>');
      // The signature covers exactly the bytes received.
      const body = verifyWebhook<OpenSolarBody>(hook.body.secret, request);
      bodies.set(body.event_id, body);
    }
    expect([...bodies.keys()].sort()).toEqual([1, 2, 3, 4]);

    // Field by field: the documented fields in the documented order, each of the documented JSON
    // type (timestamp a string of epoch seconds, model_id and event_id numbers), and no others;
    // `fields` only for CREATE and UPDATE.
    for (const body of bodies.values()) {
      const documentedKeys = Object.keys(DOCUMENTED_BODY).filter(
        (key) => key !== 'fields' || body.event !== 'DELETE',
      );
      expect(Object.keys(body)).toEqual(documentedKeys);
      for (const key of documentedKeys) {
        expect(typeof body[key as keyof OpenSolarBody]).toBe(
          typeof DOCUMENTED_BODY[key as keyof typeof DOCUMENTED_BODY],
        );
      }
      expect(body.timestamp).toMatch(/^\d{10}$/);
      expect(['CREATE', 'UPDATE', 'DELETE']).toContain(body.event);
    }

    // The documented example itself, its fields those the hook's payload_fields keep.
    expect(bodies.get(1)).toEqual({
      ...DOCUMENTED_BODY,
      fields: {
        identifier: DOCUMENTED_BODY.identifier,
        address: '12 Sunny Road',
        zip: '4000',
        stage: 2,
      },
    });
    expect(bodies.get(2)).toEqual({
      timestamp: '1605831714',
      model: 'Project',
      model_id: 1250731,
      identifier: 'CITIZEN-0042',
      event: 'CREATE',
      event_id: 2,
      fields: { identifier: 'CITIZEN-0042', address: '12 Sunny Road', zip: '4000', stage: 2 },
    });
    expect(bodies.get(3)).toEqual({
      timestamp: '1605831720',
      model: 'Project',
      model_id: 1250731,
      identifier: 'CITIZEN-0042',
      event: 'DELETE',
      event_id: 3,
    });
    expect(bodies.get(4)).toEqual({
      timestamp: '1605831780',
      model: 'Contact',
      model_id: CONTACT.id,
      identifier: 'SF-0031',
      event: 'UPDATE',
      event_id: 4,
      fields: { ...CONTACT, identifier: 'SF-0031' },
    });
  });

  it('stops delivering once the hook is disabled with PATCH, and resumes when enabled again', async () => {
    const { tenantId, client } = await operator.createTenant('OpenSolar org 1003');
    const create = (path: string) =>
      client.request<{ id: string }>('POST', '/v1/subscriptions', {
        event_types: ['project.*'],
        destination: { type: 'webhook', url: `${receiver.url}${path}` },
        enabled: true,
        debug: false,
      });
    const toggled = await create('/opensolar/toggled');
    const steady = await create('/opensolar/steady');
    expect([toggled.status, steady.status]).toEqual([201, 201]);
    const idsAt = (path: string): string[] =>
      requestsTo(path).map((request) => (JSON.parse(request.body) as { id: string }).id);

    await publish(tenantId, [{ id: 'e-1', type: 'project.created', data: projectData() }]);
    await waitFor('the first event at both hooks', () =>
      ['/opensolar/toggled', '/opensolar/steady'].every((path) => idsAt(path).includes('e-1')),
    );

    const disabled = await client.request<{ enabled: boolean }>(
      'PATCH',
      `/v1/subscriptions/${toggled.body.id}`,
      { enabled: false },
    );
    expect(disabled.status).toBe(200);
    expect(disabled.body.enabled).toBe(false);
    const shown = await client.request<{ enabled: boolean }>(
      'GET',
      `/v1/subscriptions/${toggled.body.id}`,
    );
    expect(shown.body.enabled).toBe(false);
    // A change reaches event-ingest's index shortly after, not at once (ingest-index checks the second).
    await untilIngestKnows(fixture.herald, toggled.body.id, false);

    await publish(tenantId, [
      {
        id: 'e-2',
        type: 'project.updated',
        changed_fields: ['project.notes'],
        data: projectData(),
      },
    ]);
    await waitFor('the second event at the enabled hook', () =>
      idsAt('/opensolar/steady').includes('e-2'),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(idsAt('/opensolar/toggled')).toEqual(['e-1']);

    const enabled = await client.request<{ enabled: boolean }>(
      'PATCH',
      `/v1/subscriptions/${toggled.body.id}`,
      { enabled: true },
    );
    expect(enabled.body.enabled).toBe(true);
    await untilIngestKnows(fixture.herald, toggled.body.id);
    await publish(tenantId, [{ id: 'e-3', type: 'project.deleted', data: { project: { id: 1 } } }]);
    await waitFor('the third event at both hooks', () =>
      ['/opensolar/toggled', '/opensolar/steady'].every((path) => idsAt(path).includes('e-3')),
    );
    // What happened while it was disabled is not sent later (replay or recover does that).
    expect(idsAt('/opensolar/toggled')).toEqual(['e-1', 'e-3']);
    expect(idsAt('/opensolar/steady')).toEqual(['e-1', 'e-2', 'e-3']);
  });
});
