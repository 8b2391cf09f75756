import { isJsonObject, type JsonObject } from '@herald/domain';

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function decodeJsonObject(raw: Buffer | null): DecodeResult<JsonObject> {
  if (raw === null) return { ok: false, reason: 'message has no value' };
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `value is not JSON: ${(error as Error).message}` };
  }
  return isJsonObject(value)
    ? { ok: true, value }
    : { ok: false, reason: 'value is not a JSON object' };
}

type FieldKind = 'string' | 'number' | 'object' | 'string|null' | 'array|null' | 'boolean' | 'json';

/**
 * Checks that every named field has the JavaScript type given; returns the first mismatch. `json`
 * is any JSON value but null (an event's `data`).
 */
export function checkFields(value: JsonObject, fields: Record<string, FieldKind>): string | null {
  for (const [name, kind] of Object.entries(fields)) {
    const field = value[name];
    const ok =
      kind === 'string|null'
        ? field === null || typeof field === 'string'
        : kind === 'array|null'
          ? field === null || Array.isArray(field)
          : kind === 'object'
            ? isJsonObject(field)
            : kind === 'json'
              ? field !== undefined && field !== null
              : typeof field === kind;
    if (!ok)
      return `field ${name} must be ${kind === 'json' ? 'a JSON value other than null' : kind}`;
  }
  return null;
}
