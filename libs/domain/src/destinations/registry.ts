import type { JsonObject, JsonValue } from '../json';
import {
  SECRET_MASK,
  type DestinationInput,
  type DestinationKind,
  type DestinationShape,
  type DestinationTypeDescriptor,
  type KindSetting,
} from './destination-kind';
import { emailKind } from './email/email.destination';
import { oauth2WebhookKind } from './oauth2-webhook/oauth2-webhook.destination';
import { sqsKind } from './sqs/sqs.destination';
import { webhookKind } from './webhook/webhook.destination';

/** Every kind of destination, keyed by its type, in the order they are listed. */
export const DESTINATION_KINDS = {
  webhook: webhookKind,
  email: emailKind,
  sqs: sqsKind,
  oauth2_webhook: oauth2WebhookKind,
} as const;

type Kinds = typeof DESTINATION_KINDS;
export type DestinationType = keyof Kinds;
export type DestinationOf<T extends DestinationType> =
  Kinds[T] extends DestinationKind<infer D> ? D : never;
export type Destination = { [T in DestinationType]: DestinationOf<T> }[DestinationType];

export const DESTINATION_TYPES = Object.keys(DESTINATION_KINDS) as DestinationType[];

export function isDestinationType(type: string): type is DestinationType {
  return Object.hasOwn(DESTINATION_KINDS, type);
}

/** The kind of a destination, typed loosely enough to work on any destination's fields. */
function kindOf(destination: DestinationShape): DestinationKind<DestinationShape> {
  if (!isDestinationType(destination.type)) {
    throw new Error(`unknown destination type ${destination.type}`);
  }
  return DESTINATION_KINDS[destination.type] as unknown as DestinationKind<DestinationShape>;
}

/** Every destination type Herald can deliver to, in a stable order. */
export function destinationTypes(): DestinationTypeDescriptor[] {
  return DESTINATION_TYPES.map((type) => {
    const kind = DESTINATION_KINDS[type];
    return {
      type,
      name: kind.name,
      description: kind.description,
      settings: kind.settings.map(({ name, type: settingType, required, secret, description }) => ({
        name,
        type: settingType,
        required,
        secret,
        description,
      })),
    };
  });
}

/**
 * Reads a destination of the kind its `type` names; without a valid type, as a webhook, so the
 * answer still names the webhook's missing settings.
 */
export function readDestination(type: DestinationType | undefined, input: DestinationInput) {
  return (DESTINATION_KINDS[type ?? 'webhook'] as DestinationKind<Destination>).read(input);
}

const fieldsOf = (destination: DestinationShape): Record<string, unknown> =>
  destination as unknown as Record<string, unknown>;

function mask(setting: KindSetting<DestinationShape>, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  switch (setting.type) {
    case 'string_map':
      return Object.fromEntries(Object.keys(value).map((name) => [name, SECRET_MASK]));
    case 'string_list':
      return (value as unknown[]).map(() => SECRET_MASK);
    case 'string':
    case 'url':
      return SECRET_MASK;
  }
}

/** The destination as answers show it: its settings by name, secret values masked. */
export function presentDestination(destination: Destination): JsonObject {
  const fields = fieldsOf(destination);
  const view: JsonObject = { type: destination.type };
  for (const setting of kindOf(destination).settings) {
    const value = fields[setting.field] ?? null;
    view[setting.name] = (setting.secret ? mask(setting, value) : value) as JsonValue;
  }
  return view;
}

/** The extra HTTP headers a request to the destination carries, masked; null when it sends none. */
export function previewHeaders(destination: Destination): Record<string, string> | null {
  return kindOf(destination).previewHeaders?.(destination) ?? null;
}

/**
 * The settings its kind marks secret (sealed at rest) apart from the rest (kept queryable); `sealed`
 * is null for a kind without secrets.
 */
export function splitDestinationSecrets(destination: Destination): {
  open: JsonObject;
  sealed: JsonObject | null;
} {
  const secret = new Set<string>(
    kindOf(destination)
      .settings.filter((setting) => setting.secret)
      .map((setting) => setting.field),
  );
  const open: JsonObject = {};
  const sealed: JsonObject = {};
  for (const [field, value] of Object.entries(fieldsOf(destination))) {
    (secret.has(field) ? sealed : open)[field] = value as JsonObject[string];
  }
  return { open, sealed: secret.size > 0 ? sealed : null };
}

export function joinDestinationSecrets(open: JsonObject, sealed: JsonObject | null): Destination {
  return { ...open, ...(sealed ?? {}) } as unknown as Destination;
}

/**
 * `next` with every secret value that is the mask replaced by the value stored in `current` (of the
 * same kind), so a client can send back what it read.
 */
export function keepMaskedSecrets(next: Destination, current: Destination): Destination {
  if (next.type !== current.type) return next;
  const kept = { ...fieldsOf(next) };
  const stored = fieldsOf(current);
  for (const setting of kindOf(next).settings) {
    if (!setting.secret) continue;
    const value = kept[setting.field];
    const previous = stored[setting.field];
    if (setting.type === 'string_map' && value && typeof value === 'object') {
      const previousMap = (previous ?? {}) as Record<string, string>;
      kept[setting.field] = Object.fromEntries(
        Object.entries(value as Record<string, string>).map(([name, entry]) => [
          name,
          entry === SECRET_MASK ? (previousMap[name] ?? entry) : entry,
        ]),
      );
    } else if (value === SECRET_MASK && previous !== null && previous !== undefined) {
      kept[setting.field] = previous;
    }
  }
  return kept as unknown as Destination;
}
