import {
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import {
  ConsumerGroups,
  Headers,
  Topics,
  decodeDeliveryEnvelope,
  retryTopics,
  type DeliveryMessage,
} from '@herald/contracts';
import { failedSend } from '@herald/domain';
import { Consumers, isPermanentFailure, type ConsumerRunner } from '@herald/kafka';
import { DeliveryService } from './delivery.service';
import { DeliveryFlow } from './delivery-flow';
import { DeliveryRouter } from './delivery-router';
import { JsonLogger } from '@herald/observability';

/** Dead letters the consumer runner makes itself: handling kept failing, or the message (its body) does not decode. */
const PARKED_BY_RUNNER = new Set(['unprocessable', 'handler_failed', 'undecodable']);

/**
 * Consumes `herald.deliveries` and the retry topics. A failed attempt moves to the retry topic of
 * its delay with a `not-before` header; when the schedule is spent it goes to the DLQ.
 */
@Injectable()
export class DeliveriesConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private runner: ConsumerRunner<DeliveryMessage> | null = null;

  constructor(
    private readonly consumers: Consumers,
    private readonly flow: DeliveryFlow,
    private readonly router: DeliveryRouter,
    private readonly delivery: DeliveryService,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.runner = this.consumers.create<DeliveryMessage>({
      groupId: ConsumerGroups.deliverer,
      topics: [Topics.deliveries, ...retryTopics(this.router.delays)],
      logger: this.logger,
      laneConcurrency: 512,
      // A slow endpoint's backlog waits in its lane; a partition pauses only when this much of it
      // is unfinished, so its other subscriptions keep going meanwhile (about 2 MB of messages).
      maxInFlightPerPartition: 2_000,
      // One subscription's share of it (a lane is a subscription on a partition): past this, its
      // later deliveries stay in Kafka while its partition's other subscriptions go on, and are
      // fetched again once it is down to half. Half the partition's: a slow endpoint's backlog,
      // however long, leaves the others on its partition at least as much. 500 cost the fan-out
      // benchmark a quarter of its rate (two busy subscriptions on one partition left and fetched
      // again what a partition's budget would simply have waited for); 1,000 costs it nothing
      // measurable, and keeps the fast subscriptions beside a 2 s endpoint with 6,000 waiting at
      // 102 % of their rate, against 5 % without it.
      maxInFlightPerKey: 1_000,
      // And across every partition it holds (ten busy subscriptions, say): bounded memory. Ten
      // subscriptions' windows are a few hundred deliveries at once; 6,000 waiting behind them kept
      // a 100,000-delivery fan-out as fast as 10,000 did, for less memory at the peak. Three times a
      // partition's share: once full, every partition waits for room, so two partitions backed up
      // behind slow endpoints must not fill it.
      maxInFlightTotal: { messages: 6_000, bytes: 16 * 1024 * 1024 },
      // Due retries start within a quarter second of their time rather than a second.
      maxWaitTimeInMs: 250,
      dueAt: (raw) => {
        const notBefore = raw.headers[Headers.notBefore];
        return notBefore ? Number(notBefore) : null;
      },
      handle: ({ message, release }) => this.flow.handle(message, release),
      windowOf: (raw) => this.flow.windowOf(raw.key),
      retry: ({ message }, outcome) => this.router.later(message, outcome),
      deadLetter: async (raw, outcome) => {
        await this.router.deadLetter(raw.key, raw.value, outcome.code, outcome.reason);
        if (PARKED_BY_RUNNER.has(outcome.code)) await this.markDead(raw.value, outcome.reason);
      },
    });
    this.runner.startInBackground();
  }

  /**
   * A delivery the runner parked (its handling kept failing) is dead for its tenant too, with the
   * reason. An outage makes the message be handled again; data PostgreSQL refuses — a delivery that
   * could never have been stored — leaves the DLQ record alone to tell.
   */
  private async markDead(value: Buffer | null, reason: string): Promise<void> {
    const decoded = decodeDeliveryEnvelope(value);
    if (!decoded.ok) return;
    try {
      await this.delivery.refuse(decoded.value, failedSend('ours', `handling failed: ${reason}`));
    } catch (error) {
      if (!isPermanentFailure(error)) throw error;
      this.logger.event('warn', 'could not record why a delivery was parked', {
        delivery_id: decoded.value.delivery_id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}
