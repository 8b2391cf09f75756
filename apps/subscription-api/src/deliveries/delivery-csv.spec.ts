import { csvField, deliveriesCsv } from './delivery-csv';
import type { DeliveryView } from './delivery.view';

describe('csvField', () => {
  it.each([
    ['plain', 'meter.created', 'meter.created'],
    ['a number', 3, '3'],
    ['null', null, ''],
    ['a comma', 'a,b', '"a,b"'],
    ['a quote', 'say "hi"', '"say ""hi"""'],
    ['a line feed', 'one\ntwo', '"one\ntwo"'],
    ['a carriage return', 'one\rtwo', '"one\rtwo"'],
    ['an empty string', '', ''],
  ])('writes %s as RFC 4180 wants', (_name, value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+1+cmd|calc', "'+1+cmd|calc"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['\r=1', `"'\r=1"`],
  ])('writes text a spreadsheet would run, %j, as text', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('writes a negative number as a number', () => {
    expect(csvField(-1)).toBe('-1');
  });
});

describe('deliveriesCsv', () => {
  const delivery: DeliveryView = {
    id: 'dlv_1',
    webhook_id: 'dlv_0',
    subscription_id: 'sub_1',
    event_id: 'evt,1',
    event_type: 'meter.created',
    origin: 'event',
    status: 'dead',
    attempts: 3,
    next_attempt_at: null,
    last_attempt_at: '2024-05-02T12:00:03.000Z',
    created_at: '2024-05-02T12:00:00.000Z',
    updated_at: '2024-05-02T12:00:03.000Z',
  };

  it('writes a header row and one CRLF-terminated row per delivery', () => {
    expect(deliveriesCsv([delivery])).toBe(
      'id,webhook_id,subscription_id,event_id,event_type,origin,status,attempts,next_attempt_at,last_attempt_at,created_at,updated_at\r\n' +
        'dlv_1,dlv_0,sub_1,"evt,1",meter.created,event,dead,3,,2024-05-02T12:00:03.000Z,2024-05-02T12:00:00.000Z,2024-05-02T12:00:03.000Z\r\n',
    );
  });

  it('writes only the header when there is nothing to export', () => {
    expect(deliveriesCsv([]).split('\r\n')).toEqual([
      'id,webhook_id,subscription_id,event_id,event_type,origin,status,attempts,next_attempt_at,last_attempt_at,created_at,updated_at',
      '',
    ]);
  });
});
