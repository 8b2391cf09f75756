import { parseInboundEvent, validateInboundEvent } from './event';

const good = { tenant_id: 'ten_1', type: 'meter_data.received', data: { meter_id: 'm-1' } };

describe('inbound event envelope', () => {
  it('accepts a minimal event and fills nothing it was not given', () => {
    const result = validateInboundEvent(good);
    expect(result).toEqual({
      ok: true,
      value: {
        id: null,
        tenantId: 'ten_1',
        type: 'meter_data.received',
        occurredAt: null,
        subject: null,
        changedFields: null,
        data: { meter_id: 'm-1' },
      },
    });
  });

  // Issue 13: data was an object only; it is now any JSON value but null.
  it.each([
    ['an object', { meter_id: 'm-1' }],
    ['an empty object', {}],
    [
      "a list (Openvolt's meter_data.received)",
      [
        {
          meter_id: 'm-1',
          start_interval: '2024-05-02T12:00:00Z',
          end_interval: '2024-05-02T12:30:00Z',
        },
        {
          meter_id: 'm-2',
          start_interval: '2024-05-02T12:00:00Z',
          end_interval: '2024-05-02T12:30:00Z',
        },
      ],
    ],
    ['an empty list', []],
    ['a list of scalars', [1, 'two', true, null]],
    ['a string', 'm-1'],
    ['an empty string', ''],
    ['a number', 12.5],
    ['zero', 0],
    ['a boolean', false],
  ])('accepts data that is %s, kept as sent', (_name, data) => {
    expect(validateInboundEvent({ ...good, data })).toMatchObject({ ok: true, value: { data } });
    const parsed = parseInboundEvent(JSON.stringify({ ...good, data }), 1024);
    expect(parsed).toMatchObject({ ok: true, value: { data } });
  });

  it('says why null data is refused', () => {
    expect(validateInboundEvent({ ...good, data: null })).toEqual({
      ok: false,
      error: {
        code: 'missing_field',
        field: 'data',
        message: 'data is required: null is not a payload (send {} or [] for an event without one)',
      },
    });
  });

  it('normalises occurred_at to UTC ISO', () => {
    const result = validateInboundEvent({ ...good, occurred_at: '2024-05-02T14:31:26.257+02:00' });
    expect(result.ok && result.value.occurredAt).toBe('2024-05-02T12:31:26.257Z');
  });

  it.each([
    ['not an object', [1, 2], 'not_an_object', undefined],
    ['missing tenant', { type: 'a.b', data: {} }, 'missing_field', 'tenant_id'],
    ['tenant not a string', { ...good, tenant_id: 42 }, 'invalid_field', 'tenant_id'],
    ['missing type', { tenant_id: 't', data: {} }, 'missing_field', 'type'],
    ['type with spaces', { ...good, type: 'meter data' }, 'invalid_field', 'type'],
    ['missing data', { tenant_id: 't', type: 'a.b' }, 'missing_field', 'data'],
    // Issue 13: data may be any JSON value but null, which is refused as missing.
    ['null data', { ...good, data: null }, 'missing_field', 'data'],
    ['bad id', { ...good, id: 'has space' }, 'invalid_field', 'id'],
    [
      'occurred_at without zone',
      { ...good, occurred_at: '2024-05-02T12:31:26' },
      'invalid_field',
      'occurred_at',
    ],
    [
      'occurred_at not a date',
      { ...good, occurred_at: 'yesterday' },
      'invalid_field',
      'occurred_at',
    ],
    [
      'changed_fields not strings',
      { ...good, changed_fields: [1] },
      'invalid_field',
      'changed_fields',
    ],
    ['subject not a string', { ...good, subject: { a: 1 } }, 'invalid_field', 'subject'],
  ])('rejects %s', (_name, value, code, field) => {
    const result = validateInboundEvent(value);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.field).toBe(field);
      expect(result.error.message.length).toBeGreaterThan(5);
    }
  });

  it('rejects malformed JSON and oversize events before parsing them', () => {
    const malformed = parseInboundEvent('{"tenant_id": ', 1024);
    expect(!malformed.ok && malformed.error.code).toBe('malformed_json');
    const large = parseInboundEvent(
      JSON.stringify({ ...good, data: { blob: 'x'.repeat(2000) } }),
      1024,
    );
    expect(!large.ok && large.error.code).toBe('too_large');
    const largeList = parseInboundEvent(
      JSON.stringify({ ...good, data: Array(200).fill({ meter_id: 'm-1' }) }),
      1024,
    );
    expect(!largeList.ok && largeList.error.code).toBe('too_large');
  });

  const nested = (levels: number): unknown => {
    let value: unknown = 1;
    for (let level = 0; level < levels; level++) value = { a: value };
    return value;
  };
  const nestedLists = (levels: number): unknown => {
    let value: unknown = 1;
    for (let level = 0; level < levels; level++) value = [value];
    return value;
  };

  it.each([
    ['a NUL in data', { ...good, data: { note: 'a\u0000b' } }, 'invalid_text', 'data.note'],
    [
      'a NUL in a list that is the data',
      { ...good, data: [{ meter_id: 'm-1' }, { meter_id: 'm\u0000' }] },
      'invalid_text',
      'data[1].meter_id',
    ],
    ['a NUL in a string that is the data', { ...good, data: 'a\u0000' }, 'invalid_text', 'data'],
    [
      '20,000 levels of lists',
      { ...good, data: nestedLists(20_000) },
      'too_deep',
      expect.stringMatching(/^data(\[0\])+$/) as unknown as string,
    ],
    ['a NUL in a key', { ...good, data: { 'a\u0000': 1 } }, 'invalid_text', 'data'],
    [
      'a lone high surrogate',
      { ...good, data: { s: ['ok', '\ud800'] } },
      'invalid_text',
      'data.s[1]',
    ],
    [
      'a lone low surrogate in subject',
      { ...good, subject: '\udc00node' },
      'invalid_text',
      'subject',
    ],
    [
      'a NUL in changed_fields',
      { ...good, changed_fields: ['a\u0000'] },
      'invalid_text',
      'changed_fields[0]',
    ],
    [
      '20,000 levels of nesting',
      { ...good, data: nested(20_000) },
      'too_deep',
      expect.stringMatching(/^data(\.a)+$/) as unknown as string,
    ],
  ])('rejects %s, naming where', (_name, value, code, field) => {
    const result = validateInboundEvent(value);
    expect(result).toMatchObject({ ok: false, error: { code, field } });
  });

  it('accepts emoji (paired surrogates) and data nested to the limit', () => {
    expect(validateInboundEvent({ ...good, data: { s: 'sun \u2600 \ud83d\ude00' } }).ok).toBe(true);
    expect(validateInboundEvent({ ...good, data: nested(62) }).ok).toBe(true);
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"tenant_id":"t","type":"a.b","data":{"x":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}}'),
    ]);
    const result = parseInboundEvent(bytes, 1024);
    expect(!result.ok && result.error.code).toBe('invalid_encoding');
    const escaped = parseInboundEvent(
      Buffer.from(JSON.stringify({ ...good, data: { note: 'nul \u0000' } })),
      1024,
    );
    expect(!escaped.ok && escaped.error.code).toBe('invalid_text');
  });

  it('measures the event as Herald re-encodes it, not only as sent', () => {
    const numbers = `{"tenant_id":"t","type":"a.b","data":{"n":[${Array(60).fill('1e20').join(',')}]}}`;
    expect(Buffer.byteLength(numbers)).toBeLessThan(1024);
    const result = parseInboundEvent(numbers, 1024);
    expect(!result.ok && result.error).toMatchObject({ code: 'too_large' });
  });
});
