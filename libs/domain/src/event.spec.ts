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
    ['data an array', { ...good, data: [1] }, 'invalid_field', 'data'],
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
  });
});
