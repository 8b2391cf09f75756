import type { EventType } from '@herald/persistence';

export const presentEventType = (eventType: EventType) => ({
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

export type EventTypeView = ReturnType<typeof presentEventType>;
