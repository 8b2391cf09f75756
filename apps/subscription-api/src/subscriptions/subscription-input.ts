import {
  DESTINATION_TYPES,
  isValidEventTypeGlob,
  MAX_IN_FLIGHT_LIMIT,
  readDestination,
  validateFilter,
  type JsonObject,
} from '@herald/domain';
import type { NewSubscription } from '@herald/persistence';
import { assertValid, BodyReader } from '../common/body-reader';

const SUBSCRIPTION_FIELDS = [
  'description',
  'enabled',
  'debug',
  'event_types',
  'destination',
  'filter',
  'trigger_fields',
  'payload_fields',
  'ordering',
  'rate_limit_per_second',
  'max_in_flight',
  'transformation',
  'metadata',
] as const;

/** The most JSON a subscription's metadata may hold. */
export const MAX_METADATA_BYTES = 4096;

export const FIELD_PATH = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/;

/** Trigger and payload fields are dotted paths, `model.*`, or `*`. */
function fieldPathProblem(path: string): string | null {
  return FIELD_PATH.test(path) ? null : 'must be a dotted path such as project.address, or model.*';
}

export type SubscriptionPatch = Partial<NewSubscription>;

/** Reads the subscription fields present in a body; `creating` makes the required ones required. */
function readFields(body: unknown, creating: boolean): SubscriptionPatch {
  const reader = new BodyReader(body);
  const fields: SubscriptionPatch = {};
  const destinationReader = reader.child('destination', { required: creating });
  if (destinationReader) {
    const type = destinationReader.oneOf('type', DESTINATION_TYPES);
    if (type === undefined && !destinationReader.has('type')) {
      destinationReader.problem('type', 'is required');
    }
    fields.destination = readDestination(type, destinationReader);
  }
  const read: SubscriptionPatch = {
    description: reader.string('description', { max: 1000 }),
    enabled: reader.boolean('enabled'),
    debug: reader.boolean('debug'),
    eventTypes:
      reader.stringList('event_types', {
        required: creating || reader.has('event_types'),
        max: 100,
        each: (glob) =>
          isValidEventTypeGlob(glob)
            ? null
            : 'is not an event type or glob such as meter_data.* or *',
      }) ?? undefined,
    filter: reader.object('filter'),
    triggerFields: reader.stringList('trigger_fields', { max: 500, each: fieldPathProblem }),
    payloadFields: reader.stringList('payload_fields', { max: 500, each: fieldPathProblem }),
    ordering: reader.oneOf('ordering', ['best_effort', 'strict'] as const),
    rateLimitPerSecond: reader.integer('rate_limit_per_second', 1, 100_000),
    maxInFlight: reader.integer('max_in_flight', 1, MAX_IN_FLIGHT_LIMIT),
    transformation: reader.transformation('transformation'),
    metadata: readMetadata(reader),
  };
  if (read.filter) {
    for (const problem of validateFilter(read.filter))
      reader.problem(problem.path, problem.message);
  }
  for (const [key, value] of Object.entries(read)) {
    if (value !== undefined) Object.assign(fields, { [key]: value });
  }
  reader.onlyKnown(SUBSCRIPTION_FIELDS);
  assertValid(reader, destinationReader);
  return fields;
}

/** The tenant's own JSON object, at most MAX_METADATA_BYTES; null clears it to `{}`. */
function readMetadata(reader: BodyReader): JsonObject | undefined {
  const metadata = reader.object('metadata');
  if (metadata === undefined) return undefined;
  if (metadata === null) return {};
  const bytes = Buffer.byteLength(JSON.stringify(metadata));
  if (bytes > MAX_METADATA_BYTES) {
    reader.problem('metadata', `must be at most ${MAX_METADATA_BYTES} bytes of JSON (is ${bytes})`);
  }
  return metadata;
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
    ...readFields(body, true),
  };
}

/** Validates a PATCH body: only the fields given change; `destination` is replaced whole. */
export function readSubscriptionPatch(body: unknown): SubscriptionPatch {
  return readFields(body, false);
}
