import type { JsonObject, JsonValue } from '@herald/domain';
import { assertValid, BodyReader } from '../common/body-reader';
import { ApiError } from '../errors/api-error';
import { fromListValue, fromStruct, fromValue } from './struct';

/** `StringList`: a list of strings that may be absent, which a plain `repeated` cannot tell from empty. */
export interface GrpcStringList {
  values?: string[];
}

/** proto3 `optional` fields are absent rather than null. */
export function withoutNulls<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== null)) as T;
}

export function grpcPage<T, R extends Record<string, unknown>>(
  page: { data: T[]; next_cursor: string | null },
  map: (item: T) => R,
): { data: R[]; next_cursor?: string } {
  return {
    data: page.data.map((item) => withoutNulls(map(item))),
    ...(page.next_cursor === null ? {} : { next_cursor: page.next_cursor }),
  };
}

export function stringList(values: string[] | null): GrpcStringList | null {
  return values === null ? null : { values };
}

/** How a request field that is a message is written in the REST body. */
export type GrpcFieldShape = 'struct' | 'value' | 'string_list' | 'list_value';

/** The shapes of a `PublishEventRequest`'s fields (an event given whole); see `payloadInData`. */
export const EVENT_SHAPES: Readonly<Record<string, GrpcFieldShape>> = {
  changed_fields: 'string_list',
  data: 'struct',
  data_value: 'value',
};

/**
 * A gRPC request as the REST body it means, so both transports are validated by the same reader:
 * unset fields are left out (an unset `repeated` arrives empty), `Struct`, `Value`, `StringList` and
 * `ListValue` fields become their JSON, and the fields in `omit` (ids that REST has in the path) are
 * dropped.
 */
export function restBody(
  request: object,
  shapes: Readonly<Record<string, GrpcFieldShape>> = {},
  omit: readonly string[] = [],
): JsonObject {
  const body: JsonObject = {};
  const fields: [string, unknown][] = Object.entries(request);
  for (const [field, value] of fields) {
    if (value === undefined || value === null || omit.includes(field)) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    const shape = shapes[field];
    body[field] =
      shape === 'struct'
        ? fromStruct(value)
        : shape === 'value'
          ? fromValue(value)
          : shape === 'string_list'
            ? ((value as GrpcStringList).values ?? [])
            : shape === 'list_value'
              ? fromListValue(value)
              : (value as JsonValue);
  }
  return body;
}

/**
 * An event's payload as the REST body's `data`, from either proto field: `data_value` (any JSON
 * value) or `data` (a Struct, so an object only, kept for clients written before `data_value`).
 */
export function payloadInData(body: JsonObject): JsonObject {
  const { data_value: value, ...envelope } = body;
  if (value === undefined) return envelope;
  if (envelope.data !== undefined) {
    const message = 'must not be set with data: data_value holds any payload, data only an object';
    throw new ApiError('validation_failed', `request is invalid: data_value ${message}`, [
      { field: 'data_value', message },
    ]);
  }
  return { ...envelope, data: value };
}

function queryText(value: JsonValue): string {
  if (Array.isArray(value)) return value.map(queryText).join(',');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/**
 * A gRPC list request as the REST query string it means: every set field as text, lists
 * comma-separated, the fields in `omit` (ids that REST has in the path) dropped.
 */
export function restQuery(request: object, omit: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(
    Object.entries(restBody(request, {}, omit)).map(([field, value]) => [field, queryText(value)]),
  );
}

/** proto3 has no required fields: ids left unset arrive absent, and are refused by name. */
export function requiredStrings<F extends string>(
  request: object,
  ...fields: F[]
): Record<F, string> {
  const reader = new BodyReader(request);
  const values = Object.fromEntries(
    fields.map((field) => [field, reader.string(field, { required: true })]),
  );
  assertValid(reader);
  return values as Record<F, string>;
}

/**
 * proto3 cannot set a field to null, so an update names the fields it unsets in `clear_fields`;
 * they reach the REST reader as the `null`s a PATCH body would hold.
 */
export function withCleared(
  body: JsonObject,
  clearFields: unknown,
  clearable: readonly string[],
): JsonObject {
  const reader = new BodyReader({ clear_fields: clearFields ?? [] });
  const cleared =
    reader.stringList('clear_fields', {
      each: (field) =>
        !clearable.includes(field)
          ? `must be one of ${clearable.join(', ')}`
          : body[field] !== undefined
            ? 'names a field that is also set'
            : null,
    }) ?? [];
  assertValid(reader);
  return { ...body, ...Object.fromEntries(cleared.map((field) => [field, null])) };
}
