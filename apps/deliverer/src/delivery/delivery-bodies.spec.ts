import type { DeliveryMessage } from '@herald/contracts';
import type { EventTypesRepository } from '@herald/persistence';
import { DeliveryBodies } from './delivery-bodies';

const message = {
  delivery_id: 'dlv_1',
  tenant_id: 'ten_1',
  subscription_id: 'sub_1',
  event_id: 'evt_1',
  event_type: 'meter.read',
  attempt: 0,
  body: { id: 'evt_1', type: 'meter.read', data: { kwh: 1.5 } },
} as unknown as DeliveryMessage;

/** Event types whose default transformation is given, counting the reads. */
function bodiesWith(defaults: Record<string, string | null>) {
  const reads: string[] = [];
  const eventTypes = {
    get: (_tenant: string, type: string) => {
      reads.push(type);
      return Promise.resolve(type in defaults ? { transformation: defaults[type] } : null);
    },
  } as unknown as EventTypesRepository;
  return { bodies: new DeliveryBodies(eventTypes), reads };
}

const plain = { transformation: null, metadata: {} };

describe('DeliveryBodies.renderedNow', () => {
  it('gives the standard body without waiting once the event type is known to have no default', async () => {
    const { bodies, reads } = bodiesWith({ 'meter.read': null });
    expect(bodies.renderedNow(message, plain)).toBeNull(); // not known yet: render reads it
    expect(await bodies.render(message, plain)).toEqual({
      ok: true,
      body: JSON.stringify(message.body),
    });
    expect(bodies.renderedNow(message, plain)).toEqual({
      ok: true,
      body: JSON.stringify(message.body),
    });
    expect(reads).toEqual(['meter.read']);
  });

  it("leaves a subscription's transformation, or its event type's default, to render", async () => {
    const { bodies } = bodiesWith({ 'meter.read': '{"x": 1}' });
    await bodies.render(message, plain);
    expect(bodies.renderedNow(message, plain)).toBeNull();
    expect(await bodies.render(message, plain)).toEqual({ ok: true, body: '{"x":1}' });
    expect(bodies.renderedNow(message, { transformation: '{"x": 1}' })).toBeNull();
  });
});
