import type { EventData } from './event';
import { isJsonObject, type JsonObject, type JsonValue } from './json';

/**
 * OpenSolar's field lists, shared by `trigger_fields` and `payload_fields`: dotted paths into the
 * event's data (`project.address`), and `model.*` for every field of a model (`contact.*`).
 */

/** Whether a changed field concerns a trigger field: the same field, a field inside it, or its whole parent. */
function triggers(triggerField: string, changedField: string): boolean {
  const base = triggerField.endsWith('.*') ? triggerField.slice(0, -2) : triggerField;
  if (triggerField === '*') return true;
  return (
    changedField === base ||
    changedField.startsWith(`${base}.`) ||
    (!triggerField.endsWith('.*') && base.startsWith(`${changedField}.`))
  );
}

/**
 * Whether an event fires a subscription with these trigger fields. `null` means the event type's
 * defaults, and no defaults means every change fires. An event that names no `changed_fields`
 * (creations, deletions, events without a model) always fires; an empty list of trigger fields
 * never does.
 */
export function shouldTrigger(
  triggerFields: readonly string[] | null,
  defaults: readonly string[] | null,
  changedFields: readonly string[] | null,
): boolean {
  const fields = triggerFields ?? defaults;
  if (fields === null || changedFields === null) return true;
  return fields.some((field) => changedFields.some((changed) => triggers(field, changed)));
}

/**
 * The part of `data` a subscription receives. `null` means the event type's defaults, and no
 * defaults means all of `data`. A path through a list keeps, in every element, the fields asked of
 * it (`project.systems.modules` gives `project.systems: [{modules}, …]`); paths that are missing
 * are left out. `data` that is itself a list is projected element by element
 * (`meter_id` on `[{meter_id, start_interval}, …]` gives `[{meter_id}, …]`), and a string, number or
 * boolean is delivered whole: it has no fields to choose from, and sending nothing in its place
 * would tell the receiver less than the event did.
 */
export function projectPayload(
  data: EventData,
  payloadFields: readonly string[] | null,
  defaults: readonly string[] | null,
): EventData {
  const fields = payloadFields ?? defaults;
  if (fields === null || fields.includes('*')) return data;
  if (typeof data !== 'object') return data;
  let result: JsonValue = Array.isArray(data) ? data.map(() => ({})) : {};
  for (const field of fields) {
    const path = (field.endsWith('.*') ? field.slice(0, -2) : field).split('.');
    const picked = pick(data, path);
    if (picked !== undefined) result = merge(result, picked);
  }
  return result as EventData;
}

/** The value at `path` inside `value`, rebuilt with only that path, or undefined when missing. */
function pick(value: JsonValue, path: string[]): JsonValue | undefined {
  if (path.length === 0) return value;
  if (Array.isArray(value)) {
    return value.map((item) => pick(item, path) ?? {});
  }
  if (!isJsonObject(value)) return undefined;
  const [key, ...rest] = path;
  if (value[key] === undefined) return undefined;
  const inner = pick(value[key], rest);
  return inner === undefined ? undefined : { [key]: inner };
}

function merge(left: JsonValue, right: JsonValue): JsonValue {
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.map((item, i) => (i < right.length ? merge(item, right[i]) : item));
  }
  if (isJsonObject(left) && isJsonObject(right)) {
    const result: JsonObject = { ...left };
    for (const [key, value] of Object.entries(right)) {
      result[key] = key in result ? merge(result[key], value) : value;
    }
    return result;
  }
  return right;
}
