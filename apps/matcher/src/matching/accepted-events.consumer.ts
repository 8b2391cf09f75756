import {
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import {
  Topics,
  decodeAcceptedEvent,
  fromAcceptedEventMessage,
  type AcceptedEventMessage,
} from '@herald/contracts';
import { EventsRepository } from '@herald/persistence';
import {
  BATCH_STAGE_LIMITS,
  Consumers,
  type ConsumerRunner,
  TypedProducer,
  ack,
  isPermanentFailure,
  sendInvalidEvent,
} from '@herald/kafka';
import { HeraldMetrics, JsonLogger } from '@herald/observability';
import { MatchingService } from './matching.service';
import { SubscriptionIndexService } from './subscription-index.service';

/** Consumes `herald.events.accepted` and fans each event out to the subscriptions it matches. */
@Injectable()
export class AcceptedEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private runner: ConsumerRunner<AcceptedEventMessage> | null = null;

  constructor(
    private readonly consumers: Consumers,
    private readonly producer: TypedProducer,
    private readonly matching: MatchingService,
    private readonly index: SubscriptionIndexService,
    private readonly metrics: HeraldMetrics,
    private readonly events: EventsRepository,
    private readonly logger: JsonLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // No event is matched before the index holds every subscription.
    await this.index.ready;
    this.runner = this.consumers.create<AcceptedEventMessage>({
      groupId: 'herald.matcher',
      topics: [Topics.eventsAccepted],
      logger: this.logger,
      ...BATCH_STAGE_LIMITS,
      // A fetched batch at a time: a tenant's events stay in order (one partition's batches run
      // one after another) and cost one INSERT, one produce and one UPDATE together.
      handleBatch: async (messages) => {
        const events = messages.map(({ message, within }) => ({
          event: fromAcceptedEventMessage(message),
          within,
        }));
        const results = await this.matching.matchAll(events);
        return results.map((result, index) => {
          const { event } = events[index];
          this.metrics.deliveriesCreated.inc(result.emitted);
          this.logger.event('debug', 'event matched', {
            event_id: event.id,
            tenant_id: event.tenantId,
            type: event.type,
            ...result,
          });
          return ack();
        });
      },
      // An accepted event that cannot be matched is Herald's own fault; park it where people look,
      // and tell its tenant on the event.
      deadLetter: async (raw, outcome) => {
        await sendInvalidEvent(this.producer, raw, outcome.code, outcome.reason);
        await this.markFailed(raw.value, outcome.code, outcome.reason);
      },
    });
    this.runner.startInBackground();
  }

  /**
   * An outage makes the message be handled again (parked twice, at worst); data PostgreSQL refuses —
   * the event could never have been stored — leaves the parked record alone to tell.
   */
  private async markFailed(value: Buffer | null, code: string, reason: string): Promise<void> {
    const decoded = decodeAcceptedEvent(value);
    if (!decoded.ok) return;
    try {
      await this.events.markFailed(decoded.value.tenant_id, decoded.value.id, code, reason);
    } catch (error) {
      if (!isPermanentFailure(error)) throw error;
      this.logger.event('warn', 'could not record why an event was parked', {
        event_id: decoded.value.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}
