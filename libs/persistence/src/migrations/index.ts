import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { EventTypes1764000001000 } from './1764000001000-event-types';
import { DeliveryRedrive1764000002000 } from './1764000002000-delivery-redrive';
import { SubscriptionOutbox1764000003000 } from './1764000003000-subscription-outbox';
import { SubscriptionHealth1764000004100 } from './1764000004100-subscription-health';
import { AttemptRequestBody1764000004200 } from './1764000004200-attempt-request-body';
import { StrictOrdering1764000005000 } from './1764000005000-strict-ordering';
import { DeliveryMessageId1764000006000 } from './1764000006000-delivery-message-id';
import { EventFailure1764000007000 } from './1764000007000-event-failure';
import { SubscriptionMaxInFlight1764000008000 } from './1764000008000-subscription-max-in-flight';
import { EventSourceRecord1764000009000 } from './1764000009000-event-source-record';
import { EventTypeExamples1764000010000 } from './1764000010000-event-type-examples';
import { Transformations1764000011000 } from './1764000011000-transformations';
import { SubscriptionMetadata1764000012000 } from './1764000012000-subscription-metadata';
import { LeanDeliveryWrites1764000013000 } from './1764000013000-lean-delivery-writes';
import { Retention1764000014000 } from './1764000014000-retention';
import { ConsoleSessions1764000015000 } from './1764000015000-console-sessions';
import { ConsoleSessionTheme1764000017000 } from './1764000017000-console-session-theme';
import { DeliveryHotUpdates1764000018000 } from './1764000018000-delivery-hot-updates';

/** Every migration, in order; new ones are appended here. */
export const migrations = [
  InitialSchema1764000000000,
  EventTypes1764000001000,
  DeliveryRedrive1764000002000,
  SubscriptionOutbox1764000003000,
  SubscriptionHealth1764000004100,
  AttemptRequestBody1764000004200,
  StrictOrdering1764000005000,
  DeliveryMessageId1764000006000,
  EventFailure1764000007000,
  SubscriptionMaxInFlight1764000008000,
  EventSourceRecord1764000009000,
  EventTypeExamples1764000010000,
  Transformations1764000011000,
  SubscriptionMetadata1764000012000,
  LeanDeliveryWrites1764000013000,
  Retention1764000014000,
  ConsoleSessions1764000015000,
  ConsoleSessionTheme1764000017000,
  DeliveryHotUpdates1764000018000,
];
