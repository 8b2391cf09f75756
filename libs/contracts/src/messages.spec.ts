import { decodeAcceptedEvent } from './messages';

const accepted = {
  id: 'evt_1',
  tenant_id: 'ten_1',
  type: 'meter_data.received',
  occurred_at: '2024-05-02T12:00:00.000Z',
  received_at: '2024-05-02T12:00:01.000Z',
  subject: null,
  changed_fields: null,
  data: { meter_id: 'm-1' },
};

const decode = (message: object) => decodeAcceptedEvent(Buffer.from(JSON.stringify(message)));

describe('herald.events.accepted messages', () => {
  // Issue 13: `data` was an object only; it is any JSON value but null.
  it.each([
    ['an object', { meter_id: 'm-1' }],
    ['a list', [{ meter_id: 'm-1' }, { meter_id: 'm-2' }]],
    ['an empty list', []],
    ['a string', 'm-1'],
    ['a number', 0],
    ['a boolean', false],
  ])('decode with data that is %s', (_name, data) => {
    expect(decode({ ...accepted, data })).toEqual({ ok: true, value: { ...accepted, data } });
  });

  it.each([
    ['null', { ...accepted, data: null }],
    ['missing', { ...accepted, data: undefined }],
  ])('are refused with data %s', (_name, message) => {
    expect(decode(message)).toEqual({
      ok: false,
      reason: 'field data must be a JSON value other than null',
    });
  });
});
