import type { Schemas } from '../api/client';

export type Subscription = Schemas['Subscription'];
export type DestinationType = Schemas['DestinationTypeDescriptor']['type'];
export type DestinationSetting = Schemas['DestinationSetting'];
export type Destination = Schemas['Destination'];

/** One name/value pair of a `string_map` setting, such as a webhook's extra header. */
export interface MapEntry {
  name: string;
  value: string;
}

/** What a destination's form holds: each setting by name, as its input shows it. */
export type SettingValues = Record<string, string | MapEntry[]>;

/** The form's values, as text where the person types text; turned into a request body on submit. */
export interface SubscriptionFormValues {
  description: string;
  enabled: boolean;
  debug: boolean;
  destinationType: DestinationType;
  /** Settings per destination type, so switching type and back keeps what was typed. */
  settings: Partial<Record<DestinationType, SettingValues>>;
  /** Event types picked from the catalog. */
  catalogTypes: string[];
  /** Other event types and globs (`meter_data.*`, `*`), comma- or space-separated. */
  otherTypes: string;
  filter: string;
  triggerFields: string;
  payloadFields: string;
  ordering: 'best_effort' | 'strict';
  maxInFlight: string;
  rateLimit: string;
  transformation: string;
  metadata: string;
}

export const EMPTY_FORM: SubscriptionFormValues = {
  description: '',
  enabled: true,
  debug: false,
  destinationType: 'webhook',
  settings: {},
  catalogTypes: [],
  otherTypes: '',
  filter: '',
  triggerFields: '',
  payloadFields: '',
  ordering: 'best_effort',
  maxInFlight: '',
  rateLimit: '',
  transformation: '',
  metadata: '',
};

/** Words separated by commas, spaces or new lines. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((word) => word.trim())
    .filter((word) => word !== '');
}

const json = (value: unknown): string =>
  value === null || value === undefined ? '' : JSON.stringify(value, null, 2);

/** A destination as the form shows it: lists one per line, maps as pairs, secrets as their mask. */
function destinationSettings(destination: Destination | undefined): SettingValues {
  const values: SettingValues = {};
  for (const [name, value] of Object.entries(destination ?? {})) {
    if (name === 'type' || value === null || value === undefined) continue;
    if (Array.isArray(value)) values[name] = value.map(String).join('\n');
    else if (typeof value === 'object') {
      values[name] = Object.entries(value as Record<string, unknown>).map(([key, entry]) => ({
        name: key,
        value: String(entry),
      }));
    } else values[name] = String(value as string | number | boolean);
  }
  return values;
}

/** The form for editing a subscription; event types the catalog lists become checked boxes. */
export function formValues(
  subscription: Subscription,
  catalog: readonly string[],
): SubscriptionFormValues {
  const types = subscription.event_types ?? [];
  const type = subscription.destination?.type ?? 'webhook';
  return {
    description: subscription.description ?? '',
    enabled: subscription.enabled,
    debug: subscription.debug,
    destinationType: type,
    settings: { [type]: destinationSettings(subscription.destination) },
    catalogTypes: types.filter((name) => catalog.includes(name)),
    otherTypes: types.filter((name) => !catalog.includes(name)).join(', '),
    filter: json(subscription.filter),
    triggerFields: (subscription.trigger_fields ?? []).join(', '),
    payloadFields: (subscription.payload_fields ?? []).join(', '),
    ordering: subscription.ordering,
    maxInFlight: subscription.max_in_flight?.toString() ?? '',
    rateLimit: subscription.rate_limit_per_second?.toString() ?? '',
    transformation: subscription.transformation ?? '',
    metadata: json(
      subscription.metadata && Object.keys(subscription.metadata).length > 0
        ? subscription.metadata
        : null,
    ),
  };
}

/** A problem the form finds before asking the API, named like the API names its own. */
export interface FormProblem {
  field: string;
  message: string;
}

function parseJsonObject(
  text: string,
  field: string,
  problems: FormProblem[],
): Record<string, unknown> | null {
  if (text.trim() === '') return null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Reported below, as for any other value that is not an object.
  }
  problems.push({ field, message: 'must be a JSON object' });
  return null;
}

/**
 * A whole number, or null when empty; anything else is sent as typed so that the API names the
 * problem with its own rule.
 */
function wholeNumber(text: string): number | string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** The destination the form describes, from its type's descriptor: empty settings are left out. */
export function destinationBody(
  type: DestinationType,
  settings: readonly DestinationSetting[],
  values: SettingValues,
): Record<string, unknown> {
  const destination: Record<string, unknown> = { type };
  for (const setting of settings) {
    const value = values[setting.name];
    switch (setting.type) {
      case 'string':
      case 'url':
        if (typeof value === 'string' && value.trim() !== '')
          destination[setting.name] = value.trim();
        break;
      case 'string_list':
        if (typeof value === 'string' && splitList(value).length > 0) {
          destination[setting.name] = splitList(value);
        }
        break;
      case 'string_map':
        if (Array.isArray(value)) {
          const pairs = value.filter((entry) => entry.name.trim() !== '');
          if (pairs.length > 0) {
            destination[setting.name] = Object.fromEntries(
              pairs.map((entry) => [entry.name.trim(), entry.value]),
            );
          }
        }
        break;
    }
  }
  return destination;
}

/**
 * The body of `POST /v1/subscriptions` or `PATCH /v1/subscriptions/{id}`. A masked secret (the
 * API's `********`) goes back as it came, which keeps the stored secret. Empty optional fields are
 * null: on an edit, clearing a field clears it.
 */
export function subscriptionBody(
  values: SubscriptionFormValues,
  settings: readonly DestinationSetting[],
): { body: Record<string, unknown>; problems: FormProblem[] } {
  const problems: FormProblem[] = [];
  const eventTypes = [...values.catalogTypes, ...splitList(values.otherTypes)];
  const list = (text: string) => (splitList(text).length > 0 ? splitList(text) : null);
  const body: Record<string, unknown> = {
    description: values.description,
    enabled: values.enabled,
    debug: values.debug,
    event_types: [...new Set(eventTypes)],
    destination: destinationBody(
      values.destinationType,
      settings,
      values.settings[values.destinationType] ?? {},
    ),
    filter: parseJsonObject(values.filter, 'filter', problems),
    trigger_fields: list(values.triggerFields),
    payload_fields: list(values.payloadFields),
    ordering: values.ordering,
    max_in_flight: wholeNumber(values.maxInFlight),
    rate_limit_per_second: wholeNumber(values.rateLimit),
    transformation: values.transformation.trim() === '' ? null : values.transformation,
    metadata: parseJsonObject(values.metadata, 'metadata', problems),
  };
  if (eventTypes.length === 0) {
    problems.push({ field: 'event_types', message: 'pick at least one event type' });
  }
  return { body, problems };
}
