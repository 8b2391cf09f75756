import {
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import {
  ConsumerGroups,
  HERALD_ORIGIN,
  Headers,
  Topics,
  type DeadLetterCode,
} from '@herald/contracts';
import {
  BATCH_STAGE_LIMITS,
  Consumers,
  type ConsumerRunner,
  TypedProducer,
  ack,
  deadLetter,
  isPermanentFailure,
  sendInvalidEvent,
  type RawMessage,
} from '@herald/kafka';
import { HeraldMetrics, JsonLogger } from '@herald/observability';
import { IngestService } from './ingest.service';
import { SubscriptionIndexService } from '../matching/subscription-index.service';

/** How an event reached Herald: through the API, or published to Kafka by a producer. */
const transportOf = (headers: Record<string, string>): 'http' | 'kafka' =>
  headers[Headers.transport] === 'http' ? 'http' : 'kafka';

/**
 * Consumes `herald.events.inbound`: stores each event, matches it and emits its deliveries to
 * `herald.deliveries`; rejected events go to `herald.events.invalid` with the reason.
 */
@Injectable()
export class InboundConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private runner: ConsumerRunner<Buffer> | null = null;

  constructor(
    private readonly consumers: Consumers,
    private readonly producer: TypedProducer,
    private readonly ingest: IngestService,
    private readonly metrics: HeraldMetrics,
    private readonly logger: JsonLogger,
    private readonly index: SubscriptionIndexService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // No event is matched before the index holds every subscription.
    await this.index.ready;
    this.runner = this.consumers.create<Buffer>({
      groupId: ConsumerGroups.eventIngest,
      topics: [Topics.eventsInbound],
      logger: this.logger,
      ...BATCH_STAGE_LIMITS,
      // A fetched batch at a time: a partition's events are matched and emitted in order (its
      // batches run one after another), with one INSERT of events, one of deliveries and one produce.
      handleBatch: async (messages) => {
        const results = await this.ingest.ingestAll(
          messages.map(({ message, headers, within, topic, partition, offset, timestamp }) => ({
            raw: message,
            source: {
              heraldOrigin: headers[Headers.origin] === HERALD_ORIGIN,
              record: { topic, partition, offset, timestamp: Number(timestamp) },
            },
            within,
          })),
        );
        return results.map((result, index) => {
          const { headers, partition, offset } = messages[index];
          if (result.status === 'rejected')
            return deadLetter(result.error.code, result.error.message, result.error.field);
          this.metrics.events.inc({
            transport: transportOf(headers),
            outcome: result.duplicate ? 'duplicate' : 'accepted',
            reason: 'none',
          });
          this.logger.event('debug', 'event accepted', {
            event_id: result.event.id,
            tenant_id: result.event.tenantId,
            type: result.event.type,
            duplicate: result.duplicate,
            partition,
            offset,
          });
          if (result.match) {
            this.metrics.deliveriesCreated.inc(result.match.emitted);
            this.logger.event('debug', 'event matched', {
              event_id: result.event.id,
              tenant_id: result.event.tenantId,
              type: result.event.type,
              ...result.match,
            });
          }
          return ack();
        });
      },
      deadLetter: async (raw, outcome) => {
        await this.reject(raw, outcome.code, outcome.reason, outcome.field);
        // Parked by the runner: the event may be stored, and its tenant is told on it.
        if (outcome.code === 'unprocessable' || outcome.code === 'handler_failed')
          await this.markFailed(raw, outcome.code, outcome.reason);
      },
    });
    this.runner.startInBackground();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }

  /**
   * An outage makes the message be handled again (parked twice, at worst); data PostgreSQL refuses —
   * the event could never have been stored — leaves the parked record alone to tell.
   */
  private async markFailed(raw: RawMessage, code: string, reason: string): Promise<void> {
    const { topic, partition, offset, timestamp } = raw;
    try {
      await this.ingest.markFailed(
        raw.value,
        { topic, partition, offset, timestamp: Number(timestamp) },
        code,
        reason,
      );
    } catch (error) {
      if (!isPermanentFailure(error)) throw error;
      this.logger.event('warn', 'could not record why an event was parked', {
        partition,
        offset,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async reject(
    raw: RawMessage,
    code: DeadLetterCode,
    reason: string,
    field?: string,
  ): Promise<void> {
    await sendInvalidEvent(this.producer, raw, code, reason, field);
    this.metrics.events.inc({
      transport: transportOf(raw.headers),
      outcome: 'rejected',
      reason: code,
    });
    this.logger.event('warn', 'event rejected', {
      code,
      reason,
      partition: raw.partition,
      offset: raw.offset,
    });
  }
}
