import { isUtf8 } from 'node:buffer';
import { isJsonObject, type JsonValue } from './json';
import { findUnsafeJson, type UnsafeJsonKind } from './json-safety';

/**
 * An event's payload: any JSON value but null. A null `data` is refused as missing: it is how most
 * encoders write a field that was never set, so accepting it would hide a producer's bug; an event
 * without a payload sends `{}` or `[]`.
 */
export type EventData = Exclude<JsonValue, null>;

/** An event as Herald keeps it once ingest has accepted it. */
export interface HeraldEvent {
  id: string;
  tenantId: string;
  type: string;
  occurredAt: string;
  receivedAt: string;
  subject: string | null;
  changedFields: string[] | null;
  /** Any JSON value but null: an object, a list (Openvolt's meter readings), a string, number or boolean. */
  data: EventData;
}

export type InvalidEventCode =
  | 'malformed_json'
  | 'invalid_encoding'
  | 'invalid_text'
  | 'too_deep'
  | 'not_an_object'
  | 'missing_field'
  | 'invalid_field'
  | 'too_large'
  | 'unknown_tenant'
  | 'schema_invalid'
  | 'reserved_event_type';

export interface InvalidEvent {
  code: InvalidEventCode;
  message: string;
  field?: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: InvalidEvent };

/** The envelope a producer sends, before ids and times are assigned. */
export interface InboundEvent {
  id: string | null;
  tenantId: string;
  type: string;
  occurredAt: string | null;
  subject: string | null;
  changedFields: string[] | null;
  data: EventData;
}

const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;
const TYPE_PATTERN = /^[A-Za-z0-9_\-/]+(\.[A-Za-z0-9_\-/]+)*$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const UNSAFE_CODES: Record<UnsafeJsonKind, InvalidEventCode> = {
  nul_character: 'invalid_text',
  unpaired_surrogate: 'invalid_text',
  too_deep: 'too_deep',
};

function fail(code: InvalidEventCode, message: string, field?: string): ParseResult<never> {
  return { ok: false, error: { code, message, ...(field ? { field } : {}) } };
}

/** Decodes and validates the raw bytes of an inbound event, enforcing the size limit first. */
export function parseInboundEvent(
  raw: Buffer | string,
  maxBytes: number,
): ParseResult<InboundEvent> {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > maxBytes) {
    return fail('too_large', `event is ${size} bytes, larger than the limit of ${maxBytes} bytes`);
  }
  // Decoding would quietly turn bad bytes into U+FFFD: what was sent would not be what is kept.
  if (typeof raw !== 'string' && !isUtf8(raw)) {
    return fail('invalid_encoding', 'event is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (error) {
    return fail('malformed_json', `event is not valid JSON: ${(error as Error).message}`);
  }
  const result = validateInboundEvent(value);
  // Re-encoding can grow a value (`1e20` is written out in full): what Herald passes on must fit too.
  if (result.ok && size * 6 > maxBytes) {
    const encoded = Buffer.byteLength(JSON.stringify(value));
    if (encoded > maxBytes) {
      return fail(
        'too_large',
        `event is ${encoded} bytes once re-encoded, larger than the limit of ${maxBytes} bytes`,
      );
    }
  }
  return result;
}

/** Validates an already-decoded envelope (the HTTP ingest path decodes JSON itself). */
export function validateInboundEvent(value: unknown): ParseResult<InboundEvent> {
  if (!isJsonObject(value)) return fail('not_an_object', 'event must be a JSON object');
  const unsafe = findUnsafeJson(value);
  if (unsafe) return fail(UNSAFE_CODES[unsafe.kind], unsafe.message, unsafe.path || undefined);
  const { id, tenant_id, type, occurred_at, subject, changed_fields, data } = value;

  if (id !== undefined && id !== null && (typeof id !== 'string' || !ID_PATTERN.test(id))) {
    return fail('invalid_field', 'id must be 1-200 characters of letters, digits, _ . : -', 'id');
  }
  if (tenant_id === undefined || tenant_id === null) {
    return fail('missing_field', 'tenant_id is required', 'tenant_id');
  }
  if (typeof tenant_id !== 'string' || tenant_id.length === 0 || tenant_id.length > 100) {
    return fail('invalid_field', 'tenant_id must be a non-empty string', 'tenant_id');
  }
  if (type === undefined || type === null) return fail('missing_field', 'type is required', 'type');
  if (typeof type !== 'string' || type.length > 200 || !TYPE_PATTERN.test(type)) {
    return fail(
      'invalid_field',
      'type must be dot-separated words, e.g. meter_data.received',
      'type',
    );
  }
  if (
    occurred_at !== undefined &&
    occurred_at !== null &&
    (typeof occurred_at !== 'string' ||
      !ISO_TIME.test(occurred_at) ||
      Number.isNaN(Date.parse(occurred_at)))
  ) {
    return fail('invalid_field', 'occurred_at must be an ISO 8601 time with a zone', 'occurred_at');
  }
  if (
    subject !== undefined &&
    subject !== null &&
    (typeof subject !== 'string' || subject.length > 1000)
  ) {
    return fail('invalid_field', 'subject must be a string of at most 1000 characters', 'subject');
  }
  if (
    changed_fields !== undefined &&
    changed_fields !== null &&
    (!Array.isArray(changed_fields) || !changed_fields.every((f) => typeof f === 'string'))
  ) {
    return fail('invalid_field', 'changed_fields must be an array of strings', 'changed_fields');
  }
  if (data === undefined) return fail('missing_field', 'data is required', 'data');
  if (data === null) {
    return fail(
      'missing_field',
      'data is required: null is not a payload (send {} or [] for an event without one)',
      'data',
    );
  }

  return {
    ok: true,
    value: {
      id: typeof id === 'string' ? id : null,
      tenantId: tenant_id,
      type,
      occurredAt: typeof occurred_at === 'string' ? new Date(occurred_at).toISOString() : null,
      subject: typeof subject === 'string' ? subject : null,
      changedFields: Array.isArray(changed_fields) ? changed_fields : null,
      data,
    },
  };
}
