import {
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { HERALD_ORIGIN, Headers, Topics, type DeadLetterCode } from '@herald/contracts';
import {
  BATCH_STAGE_LIMITS,
  Consumers,
  type ConsumerRunner,
  TypedProducer,
  ack,
  deadLetter,
  sendInvalidEvent,
  type RawMessage,
} from '@herald/kafka';
import { HeraldMetrics, JsonLogger } from '@herald/observability';
import { IngestService } from './ingest.service';

/** How an event reached Herald: through the API, or published to Kafka by a producer. */
const transportOf = (headers: Record<string, string>): 'http' | 'kafka' =>
  headers[Headers.transport] === 'http' ? 'http' : 'kafka';

/** Consumes `herald.events.inbound`; rejected events go to `herald.events.invalid` with the reason. */
@Injectable()
export class InboundConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private runner: ConsumerRunner<Buffer> | null = null;

  constructor(
    private readonly consumers: Consumers,
    private readonly producer: TypedProducer,
    private readonly ingest: IngestService,
    private readonly metrics: HeraldMetrics,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.runner = this.consumers.create<Buffer>({
      groupId: 'herald.event-ingest',
      topics: [Topics.eventsInbound],
      logger: this.logger,
      ...BATCH_STAGE_LIMITS,
      // A fetched batch at a time: one INSERT, one produce and one UPDATE for all its events.
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
          return ack();
        });
      },
      deadLetter: (raw, outcome) => this.reject(raw, outcome.code, outcome.reason, outcome.field),
    });
    this.runner.startInBackground();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
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
