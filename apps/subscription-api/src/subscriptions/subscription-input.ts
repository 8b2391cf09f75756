import {
  DESTINATION_TYPES,
  readDestination,
  validateFilter,
  type Destination,
} from '@herald/domain';
import type { NewSubscription } from '@herald/persistence';
import { assertNoProblems, BodyReader } from '../common/body-reader';
import { checkTransformation } from '../common/field-schemas';
import { bodyValidator, type BodyCheck } from '../common/request-schema';
import type { ApiErrorDetail } from '../errors/api-error';
import {
  NewSubscriptionBody,
  READ_BY_KIND,
  RotateSecretBody,
  SubscriptionChangesBody,
  type SubscriptionChangesBody as Changes,
} from './subscription.schema';

/** The most JSON a subscription's metadata may hold. */
export const MAX_METADATA_BYTES = 4096;

export type SubscriptionPatch = Partial<NewSubscription>;

const readNew = bodyValidator(NewSubscriptionBody, READ_BY_KIND);
const readChanges = bodyValidator(SubscriptionChangesBody, READ_BY_KIND);
const readRotation = bodyValidator(RotateSecretBody);

/** The destination, read by its kind, which names its own problems (`destination.url`). */
function destinationIn(
  value: unknown,
  creating: boolean,
  problems: ApiErrorDetail[],
): Destination | undefined {
  if (value === undefined) return undefined;
  if (value === null) {
    // A PATCH's null keeps the destination; a new subscription must have one.
    if (creating) problems.push({ field: 'destination', message: 'must be a JSON object' });
    return undefined;
  }
  const reader = new BodyReader(value, 'destination');
  if (reader.problems.length > 0) {
    problems.push(...reader.problems);
    return undefined;
  }
  const type = reader.oneOf('type', DESTINATION_TYPES);
  if (type === undefined && !reader.has('type')) reader.problem('type', 'is required');
  const destination = readDestination(type, reader);
  problems.push(...reader.problems);
  return destination;
}

/**
 * What the schema cannot say: the filter's predicates, a transformation that compiles, the size of
 * the metadata, and the destination (its kind's rules).
 */
function readFields(checked: BodyCheck<Changes>, creating: boolean): SubscriptionPatch {
  const { value, problems, fits } = checked;
  if (value.filter && fits('filter')) {
    for (const problem of validateFilter(value.filter)) {
      problems.push({ field: problem.path, message: problem.message });
    }
  }
  checkTransformation(checked);
  if (value.metadata && fits('metadata')) {
    const bytes = Buffer.byteLength(JSON.stringify(value.metadata));
    if (bytes > MAX_METADATA_BYTES) {
      problems.push({
        field: 'metadata',
        message: `must be at most ${MAX_METADATA_BYTES} bytes of JSON (is ${bytes})`,
      });
    }
  }
  const destination = destinationIn(value.destination, creating, problems);
  assertNoProblems(problems);
  const read: SubscriptionPatch = {
    destination,
    description: value.description ?? undefined,
    enabled: value.enabled,
    debug: value.debug,
    eventTypes: value.event_types,
    filter: value.filter,
    triggerFields: value.trigger_fields,
    payloadFields: value.payload_fields,
    ordering: value.ordering,
    rateLimitPerSecond: value.rate_limit_per_second,
    maxInFlight: value.max_in_flight,
    transformation: value.transformation,
    // The tenant's own JSON object; null clears it to `{}`.
    metadata: value.metadata === null ? {} : value.metadata,
  };
  return Object.fromEntries(Object.entries(read).filter(([, field]) => field !== undefined));
}

/** Validates a create-subscription body into what the repository stores, naming every bad field. */
export function readNewSubscription(body: unknown): NewSubscription {
  return {
    description: '',
    enabled: true,
    debug: false,
    eventTypes: [],
    destination: { type: 'webhook', url: '', headers: {} },
    filter: null,
    triggerFields: null,
    payloadFields: null,
    ordering: 'best_effort',
    rateLimitPerSecond: null,
    maxInFlight: null,
    transformation: null,
    metadata: {},
    ...readFields(readNew(body), true),
  };
}

/** Validates a PATCH body: only the fields given change; `destination` is replaced whole. */
export function readSubscriptionPatch(body: unknown): SubscriptionPatch {
  return readFields(readChanges(body), false);
}

/** `{overlap_seconds?}`: how long the old secret keeps signing too; undefined for the default. */
export function readSecretOverlapMs(body: unknown): number | undefined {
  const { value, problems } = readRotation(body ?? {});
  assertNoProblems(problems);
  return value.overlap_seconds == null ? undefined : value.overlap_seconds * 1000;
}
