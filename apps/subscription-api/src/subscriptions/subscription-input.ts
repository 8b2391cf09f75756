import {
  isValidEventTypeGlob,
  MAX_IN_FLIGHT_LIMIT,
  validateFilter,
  type JsonObject,
  type WebhookDestination,
} from '@herald/domain';
import type { NewSubscription } from '@herald/persistence';
import { readEmailDestination } from './email-destination-input';
import { readSqsDestination } from './sqs-destination-input';
import { assertValid, BodyReader } from '../common/body-reader';

export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Headers Herald sets itself; a subscription may not override them. */
export const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'user-agent',
  'connection',
  'transfer-encoding',
]);
const HEADERS_HINT =
  'must be an object of header names to string values, or a string holding one as JSON';
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

function readWebhook(reader: BodyReader): WebhookDestination {
  const known = reader.problems.length;
  const url = reader.string('url', { required: true, max: 2048 });
  // An empty url is refused as not absolute, not taken as a webhook to nowhere.
  if (reader.problems.length === known) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      reader.problem('url', 'must be an absolute URL');
    }
    if (parsed && parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      reader.problem('url', 'must be an http or https URL');
    }
    if (parsed && (parsed.username || parsed.password))
      reader.problem('url', 'must not carry credentials');
  }
  const headers: Record<string, string> = {};
  const rawHeaders = reader.objectOrJsonText('headers', HEADERS_HINT) ?? {};
  for (const [name, value] of Object.entries(rawHeaders)) {
    if (!HEADER_NAME.test(name)) reader.problem(`headers.${name}`, 'is not a valid header name');
    else if (
      RESERVED_HEADERS.has(name.toLowerCase()) ||
      name.toLowerCase().startsWith('webhook-')
    ) {
      reader.problem(`headers.${name}`, 'is set by Herald and cannot be overridden');
    } else if (typeof value !== 'string' || value.length > 4096 || /[\r\n]/.test(value)) {
      reader.problem(`headers.${name}`, 'must be a single-line string of at most 4096 characters');
    } else headers[name] = value;
  }
  reader.onlyKnown(['type', 'url', 'headers']);
  return { type: 'webhook', url, headers };
}

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
    const type = destinationReader.oneOf('type', ['webhook', 'email', 'sqs'] as const);
    if (type === undefined && !destinationReader.has('type')) {
      destinationReader.problem('type', 'is required');
    }
    fields.destination =
      type === 'email'
        ? readEmailDestination(destinationReader)
        : type === 'sqs'
          ? readSqsDestination(destinationReader)
          : readWebhook(destinationReader);
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
