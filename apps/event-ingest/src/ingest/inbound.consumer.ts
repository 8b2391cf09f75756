import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import { HERALD_ORIGIN, Headers, Topics } from '@herald/contracts';
import {
  ConsumerRunner,
  KAFKA_CLIENT,
  TypedProducer,
  ack,
  deadLetter,
  sendInvalidEvent,
  type RawMessage,
} from '@herald/kafka';
import { IngestService } from './ingest.service';

/** Consumes `herald.events.inbound`; rejected events go to `herald.events.invalid` with the reason. */
@Injectable()
export class InboundConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: JsonLogger;
  private runner: ConsumerRunner<Buffer> | null = null;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly producer: TypedProducer,
    private readonly ingest: IngestService,
  ) {
    this.logger = new JsonLogger('event-ingest', config.logLevel);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.runner = new ConsumerRunner<Buffer>({
      kafka: this.kafka,
      groupId: 'herald.event-ingest',
      topics: [Topics.eventsInbound],
      logger: this.logger,
      handle: async ({ message, headers, partition, offset }) => {
        const result = await this.ingest.ingest(message, new Date(), {
          heraldOrigin: headers[Headers.origin] === HERALD_ORIGIN,
        });
        if (result.status === 'rejected')
          return deadLetter(result.error.code, result.error.message, result.error.field);
        this.logger.event('info', 'event accepted', {
          event_id: result.event.id,
          tenant_id: result.event.tenantId,
          type: result.event.type,
          duplicate: result.duplicate,
          partition,
          offset,
        });
        return ack();
      },
      deadLetter: (raw, outcome) => this.reject(raw, outcome.code, outcome.reason, outcome.field),
    });
    await this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }

  private async reject(
    raw: RawMessage,
    code: string,
    reason: string,
    field?: string,
  ): Promise<void> {
    await sendInvalidEvent(this.producer, raw, code, reason, field);
    this.logger.event('warn', 'event rejected', {
      code,
      reason,
      partition: raw.partition,
      offset: raw.offset,
    });
  }
}
