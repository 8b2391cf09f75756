import { decodeDelivery, decodeSubscriptionChange } from './messages';

const delivery = {
  delivery_id: 'dlv_1',
  tenant_id: 'ten_1',
  subscription_id: 'sub_1',
  event_id: 'evt_1',
  event_type: 'meter_data.received',
  attempt: 0,
  accepted_at: '2024-05-02T12:00:01.000Z',
  body: {
    id: 'evt_1',
    type: 'meter_data.received',
    timestamp: '2024-05-02T12:00:00.000Z',
    subscription_id: 'sub_1',
    delivery_id: 'dlv_1',
    data: { meter_id: 'm-1' },
  },
};
const decodeDeliveryOf = (message: object) => decodeDelivery(Buffer.from(JSON.stringify(message)));

describe('herald.deliveries messages carry the event data as sent', () => {
  // Issue 13: `data` was an object only; it is any JSON value but null. (Checked on
  // herald.events.accepted until matching moved into event-ingest; the deliveries carry it now.)
  const withData = (data: unknown) => ({ ...delivery, body: { ...delivery.body, data } });
  it.each([
    ['an object', { meter_id: 'm-1' }],
    ['a list', [{ meter_id: 'm-1' }, { meter_id: 'm-2' }]],
    ['an empty list', []],
    ['a string', 'm-1'],
    ['a number', 0],
    ['a boolean', false],
  ])('decode with data that is %s', (_name, data) => {
    expect(decodeDeliveryOf(withData(data))).toEqual({ ok: true, value: withData(data) });
  });

  it.each([
    ['null', withData(null)],
    ['missing', withData(undefined)],
  ])('are refused with data %s', (_name, message) => {
    expect(decodeDeliveryOf(message)).toEqual({
      ok: false,
      reason: 'field body.data must be a JSON value other than null',
    });
  });
});

describe('herald.deliveries messages (issue 16: decoders derived from schemas, nested bodies checked)', () => {
  it('decode a delivery, keeping a field a newer producer added', () => {
    const newer = { ...delivery, message_id: 'dlv_0', deadline: '2024-05-03T00:00:00Z', hint: 1 };
    expect(decodeDeliveryOf(newer)).toEqual({ ok: true, value: newer });
  });

  it.each([
    [
      'a body without its data',
      { ...delivery, body: { ...delivery.body, data: undefined } },
      'field body.data must be a JSON value other than null',
    ],
    [
      'a body whose id is a number',
      { ...delivery, body: { ...delivery.body, id: 7 } },
      'field body.id must be string',
    ],
    ['no body', { ...delivery, body: undefined }, 'field body must be object'],
    ['a negative attempt count', { ...delivery, attempt: -1 }, 'field attempt must be integer'],
    ['a deadline that is not text', { ...delivery, deadline: 5 }, 'field deadline must be string'],
    [
      'changed fields that are not text',
      { ...delivery, changed_fields: ['a', 2] },
      'field changed_fields.1 must be string',
    ],
  ])('refuse %s, naming the field', (_name, message, reason) => {
    expect(decodeDeliveryOf(message)).toEqual({ ok: false, reason });
  });

  it('refuse what is not a JSON object, as before', () => {
    expect(decodeDelivery(Buffer.from('[1]'))).toEqual({
      ok: false,
      reason: 'value is not a JSON object',
    });
    expect(decodeDelivery(null)).toEqual({ ok: false, reason: 'message has no value' });
  });
});

describe('herald.subscriptions.changelog messages', () => {
  const change = {
    subscription_id: 'sub_1',
    tenant_id: 'ten_1',
    op: 'upsert',
    changed_at: '2024-05-02T12:00:00.000Z',
    subscription: {
      enabled: true,
      status: 'active',
      event_types: ['meter.*'],
      filter: null,
      trigger_fields: null,
      payload_fields: ['meter_id'],
      ordering: 'best_effort',
      rate_limit_per_second: null,
      updated_at: '2024-05-02T12:00:00.000Z',
    },
  };
  const decode = (message: object) =>
    decodeSubscriptionChange(Buffer.from(JSON.stringify(message)));

  it('decode an upsert and a delete', () => {
    expect(decode(change)).toEqual({ ok: true, value: change });
    const deleted = { ...change, op: 'delete', subscription: null };
    expect(decode(deleted)).toEqual({ ok: true, value: deleted });
  });

  it.each([
    [
      'event types that are not a list',
      { event_types: 'meter.*' },
      'field subscription.event_types must be array',
    ],
    [
      'an unknown status',
      { status: 'paused' },
      'field subscription.status must be "active" or "disabled"',
    ],
    ['a filter that is a list', { filter: [] }, 'field subscription.filter must be object or null'],
  ])('refuse a state with %s', (_name, patch, reason) => {
    expect(decode({ ...change, subscription: { ...change.subscription, ...patch } })).toEqual({
      ok: false,
      reason,
    });
  });

  it('refuse an unknown operation', () => {
    expect(decode({ ...change, op: 'merge' })).toEqual({
      ok: false,
      reason: 'field op must be "upsert" or "delete"',
    });
  });
});
