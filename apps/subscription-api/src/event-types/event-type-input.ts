import Ajv from 'ajv';
import { isValidEventTypeGlob } from '@herald/domain';
import type { EventTypeChanges, EventTypePageRequest, NewEventType } from '@herald/persistence';
import { assertNoProblems } from '../common/body-reader';
import { checkTransformation } from '../common/field-schemas';
import { bodyValidator, type BodyCheck } from '../common/request-schema';
import { checkCursor, queryValidator, type Query } from '../common/query-schema';
import {
  EventTypeChangesBody,
  EventTypeListQuery,
  NAME_HINT,
  NewEventTypeBody,
} from './event-type.schema';

const readNew = bodyValidator(NewEventTypeBody);
const readChanges = bodyValidator(EventTypeChangesBody);

/** An event type name is an event type glob without wildcards: exactly what ingest accepts as `type`. */
export function isEventTypeName(name: string): boolean {
  return !name.includes('*') && isValidEventTypeGlob(name);
}

/**
 * What the schema cannot say: a JSON Schema for events' `data` that does not compile is refused
 * now rather than at ingest, and so is a transformation that does not compile.
 */
function checkCompiled(body: BodyCheck<EventTypeChangesBody>): void {
  const { value, problems, fits } = body;
  if (value.schema && fits('schema')) {
    try {
      // A fresh instance per schema: tenants' schemas may reuse the same `$id`.
      new Ajv({ strict: false }).compile(value.schema);
    } catch (error) {
      problems.push({
        field: 'schema',
        message: `is not a valid JSON Schema: ${(error as Error).message}`,
      });
    }
  }
  checkTransformation(body);
}

export function readNewEventType(body: unknown): NewEventType {
  const checked = readNew(body);
  const { value, problems, fits } = checked;
  if (fits('name') && !isEventTypeName(value.name))
    problems.push({ field: 'name', message: NAME_HINT });
  checkCompiled({ ...checked, value: { ...value, description: value.description ?? undefined } });
  assertNoProblems(problems);
  return {
    name: value.name,
    description: value.description ?? '',
    schema: value.schema ?? null,
    triggerFields: value.trigger_fields ?? null,
    payloadFields: value.payload_fields ?? null,
    transformation: value.transformation ?? null,
    examples: value.examples ?? [],
  };
}

/**
 * A PATCH body: only the fields given change; `null` clears schema, the field lists, the
 * transformation or the examples.
 */
export function readEventTypeChanges(body: unknown): EventTypeChanges {
  const checked = readChanges(body);
  checkCompiled(checked);
  assertNoProblems(checked.problems);
  const { value } = checked;
  return {
    description: value.description,
    schema: value.schema,
    triggerFields: value.trigger_fields,
    payloadFields: value.payload_fields,
    transformation: value.transformation,
    examples: value.examples === null ? [] : value.examples,
  };
}

const readListQuery = queryValidator(EventTypeListQuery);

/** Pages of the catalog go by name, so the cursor carries the last name of the previous page. */
export function eventTypePageRequest(query: Query): EventTypePageRequest {
  const checked = readListQuery(query);
  const after = checkCursor(checked, isEventTypeName);
  assertNoProblems(checked.problems);
  return {
    after,
    limit: checked.value.limit ?? 20,
    includeArchived: checked.value.include_archived ?? false,
  };
}
