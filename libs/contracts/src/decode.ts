import type { Static, TSchema } from '@sinclair/typebox';
import Ajv, { type ErrorObject } from 'ajv';
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

/** One validator compiler for every topic's schema; `verbose` gives each error its schema. */
const ajv = new Ajv({ allErrors: false, verbose: true });

/**
 * The decoder of a topic whose messages `schema` describes (nested bodies included): JSON, then the
 * schema, compiled once. Fields the schema does not name are kept, so a newer producer may add one.
 * The reason names the first field that does not fit, as `field body.data must be …`.
 */
export function schemaDecoder<S extends TSchema>(
  schema: S,
): (raw: Buffer | null) => DecodeResult<Static<S>> {
  const validate = ajv.compile(schema);
  return (raw) => {
    const decoded = decodeJsonObject(raw);
    if (!decoded.ok) return decoded;
    if (validate(decoded.value)) return { ok: true, value: decoded.value };
    return { ok: false, reason: reasonOf(validate.errors ?? []) };
  };
}

/**
 * The error at the deepest field; of several there, the last, which is the outermost (an `anyOf`
 * after its branches): a nullable state whose status is wrong names the status, not the state.
 */
function reasonOf(errors: readonly ErrorObject[]): string {
  let error: ErrorObject | undefined;
  for (const candidate of errors) {
    if (!error || candidate.instancePath.length >= error.instancePath.length) error = candidate;
  }
  if (!error) return 'value does not match its schema';
  const path = error.instancePath.slice(1).split('/').filter(Boolean);
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    const properties = (error.parentSchema as { properties?: Record<string, TSchema> }).properties;
    return `field ${[...path, missing].join('.')} must be ${describe(properties?.[missing])}`;
  }
  return `field ${path.join('.') || '(root)'} must be ${describe(error.parentSchema as TSchema)}`;
}

/** What a schema accepts, in words: its description, else its type(s) or constants. */
function describe(schema: TSchema | undefined): string {
  if (!schema) return 'present';
  if (typeof schema.description === 'string') return schema.description;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map(describe).join(' or ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (typeof schema.type === 'string') return schema.type === 'null' ? 'null' : schema.type;
  return 'valid';
}
