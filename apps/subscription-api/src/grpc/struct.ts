import { isJsonObject, type JsonObject, type JsonValue } from '@herald/domain';

/** google.protobuf.Value as @grpc/proto-loader decodes it (keepCase, oneofs). */
export interface ProtoValue {
  nullValue?: string | number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: ProtoStruct;
  listValue?: { values?: ProtoValue[] };
}

export interface ProtoStruct {
  fields?: Record<string, ProtoValue>;
}

export function toStruct(object: JsonObject): ProtoStruct {
  return {
    fields: Object.fromEntries(Object.entries(object).map(([key, value]) => [key, toValue(value)])),
  };
}

export function toValue(value: JsonValue): ProtoValue {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  return { structValue: toStruct(value) };
}

export function fromStruct(struct: ProtoStruct): JsonObject {
  return Object.fromEntries(
    Object.entries(struct.fields ?? {}).map(([key, value]) => [key, fromValue(value)]),
  );
}

export function fromValue(value: ProtoValue): JsonValue {
  if (value.structValue !== undefined) return fromStruct(value.structValue);
  if (value.listValue !== undefined) return (value.listValue.values ?? []).map(fromValue);
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.numberValue !== undefined) return value.numberValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return null;
}

export function toListValue(values: readonly JsonValue[]): { values: ProtoValue[] } {
  return { values: values.map(toValue) };
}

export function fromListValue(list: { values?: ProtoValue[] }): JsonValue[] {
  return (list.values ?? []).map(fromValue);
}

export function structOrNull(value: unknown): ProtoStruct | undefined {
  return isJsonObject(value) ? toStruct(value) : undefined;
}
