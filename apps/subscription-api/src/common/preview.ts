import { isJsonObject, newId, validateInboundEvent, type HeraldEvent } from '@herald/domain';
import { type EventsRepository } from '@herald/persistence';
import { ApiError, notFound } from '../errors/api-error';
import { assertNoProblems } from './body-reader';
import { PREVIEW_READ_ELSEWHERE, PreviewBody } from './preview.schema';
import { bodyValidator } from './request-schema';

const readBody = bodyValidator(PreviewBody, PREVIEW_READ_ELSEWHERE);

/** A preview renders a stored event (`event_id`) or one given whole (`event`), never both. */
export type PreviewSource = { eventId: string } | { event: HeraldEvent };

/**
 * `{event_id}` or `{event: {type, data, id?, occurred_at?, subject?, changed_fields?}}`: the given
 * event is checked as `POST /v1/events` checks one (its problems named under `event.`), and gets an
 * id and times when it has none.
 */
export function readPreview(
  body: unknown,
  tenantId: string,
  options: { now?: Date; /** The type a given event has when it names none. */ type?: string } = {},
): PreviewSource {
  const now = options.now ?? new Date();
  const { value, problems } = readBody(body ?? {});
  // An id too long is still an id given: only that is said of it.
  const eventId = typeof value.event_id === 'string' ? value.event_id : undefined;
  const given = value.event;
  if ((eventId === undefined) === (given === undefined || given === null)) {
    problems.push({ field: 'event_id', message: 'give either event_id or event' });
  }
  assertNoProblems(problems);
  if (eventId !== undefined) return { eventId };
  const parsed = validateInboundEvent(
    isJsonObject(given)
      ? { ...(options.type ? { type: options.type } : {}), ...given, tenant_id: tenantId }
      : given,
  );
  if (!parsed.ok) {
    const field = parsed.error.field ? `event.${parsed.error.field}` : 'event';
    throw new ApiError('validation_failed', parsed.error.message, [
      { field, message: parsed.error.message },
    ]);
  }
  const event = parsed.value;
  const received = now.toISOString();
  return {
    event: {
      id: event.id ?? newId('evt', now.getTime()),
      tenantId,
      type: event.type,
      occurredAt: event.occurredAt ?? received,
      receivedAt: received,
      subject: event.subject,
      changedFields: event.changedFields,
      data: event.data,
    },
  };
}

/** The event a preview renders: the stored one (404 when the tenant has none of that id) or the given. */
export async function previewedEvent(
  events: EventsRepository,
  tenantId: string,
  source: PreviewSource,
): Promise<HeraldEvent> {
  if ('event' in source) return source.event;
  const stored = await events.get(tenantId, source.eventId);
  if (!stored) throw notFound('event', source.eventId);
  return stored;
}

/** An event as a preview shows it. */
export const presentPreviewedEvent = (event: HeraldEvent) => ({
  id: event.id,
  type: event.type,
  occurred_at: event.occurredAt,
  subject: event.subject,
  changed_fields: event.changedFields,
  data: event.data,
});
