import type { Static } from '@sinclair/typebox';
import type { EventType } from '@herald/persistence';
import type { EventTypeSchema } from './event-type.schema';

export type EventTypeView = Static<typeof EventTypeSchema>;

export const presentEventType = (eventType: EventType): EventTypeView => ({
  name: eventType.name,
  description: eventType.description,
  schema: eventType.schema,
  trigger_fields: eventType.triggerFields,
  payload_fields: eventType.payloadFields,
  transformation: eventType.transformation,
  examples: eventType.examples,
  archived_at: eventType.archivedAt,
  created_at: eventType.createdAt,
  updated_at: eventType.updatedAt,
});
