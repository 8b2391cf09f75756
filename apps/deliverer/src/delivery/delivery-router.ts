import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import {
  Headers,
  Topics,
  retryTopic,
  type DeadLetterCode,
  type DeliveryMessage,
} from '@herald/contracts';
import { deliveryDeadline, formatDuration, RETRY_JITTER, retryBudgetMs } from '@herald/domain';
import { TypedProducer, type LaterOutcome } from '@herald/kafka';
import { HeraldMetrics } from '@herald/observability';
import { DeliveryTargets } from './delivery-targets';
import type { DelivererConfig } from '../deliverer.config';

/** Where deliveries go when they are not done now: the retry topic of their delay, or the DLQ. */
@Injectable()
export class DeliveryRouter {
  /** The distinct delays of the retry schedule, shortest first: one retry topic each. */
  readonly delays: number[];
  /** How long after it first goes to a retry topic an open circuit may still defer a delivery. */
  readonly budgetMs: number;

  constructor(
    @Inject(HERALD_CONFIG) config: DelivererConfig,
    private readonly producer: TypedProducer,
    private readonly targets: DeliveryTargets,
    private readonly metrics: HeraldMetrics,
  ) {
    this.delays = [...new Set(config.delivery.retrySchedule)].sort((a, b) => a - b);
    this.budgetMs = retryBudgetMs(config.delivery.retrySchedule, config.delivery.timeoutMs);
  }

  /** When an open circuit stops deferring this delivery (epoch ms); see `later`. */
  deadlineOf(message: DeliveryMessage, now: number): number {
    return deliveryDeadline(message.deadline, now, this.budgetMs);
  }

  /**
   * Sends a delivery to a retry topic, due at now + afterMs. A retry counts as an attempt made; a
   * deferral does not.
   *
   * The first time a delivery goes this way it is stamped with its deadline — now plus the longest its
   * retry schedule can take — which its retries carry on, so however long its endpoint's circuit stays
   * open it reaches the DLQ within the schedule's time.
   */
  async later(message: DeliveryMessage, outcome: LaterOutcome): Promise<void> {
    const now = Date.now();
    const delay = await this.toRetryTopic(
      {
        ...message,
        attempt: message.attempt + (outcome.kind === 'retry' ? 1 : 0),
        deadline: new Date(this.deadlineOf(message, now)).toISOString(),
      },
      now + outcome.afterMs,
      now,
    );
    if (outcome.kind === 'retry') {
      this.metrics.retriesScheduled.inc({ delay: formatDuration(delay) });
    } else {
      const destinationType = this.targets.known(message.subscription_id)?.destinationType;
      this.metrics.deliveries.inc({
        destination_type: destinationType ?? 'unknown',
        outcome: 'deferred',
      });
    }
  }

  /** Sends a delivery back from one step of a long wait on to its next: nothing counted. */
  async waitOn(message: DeliveryMessage, afterMs: number): Promise<void> {
    const now = Date.now();
    await this.toRetryTopic(message, now + afterMs, now);
  }

  /**
   * The topic is the shortest whose delay is at least the wait less the most jitter, so a scheduled
   * delay lands in its own topic and a message is never due more than the jitter later than those
   * queued behind it. A longer wait than the longest topic holds (a Retry-After of days, an open
   * circuit longer than a short schedule) would hold back every message behind it on its partition,
   * due sooner: it waits there for that topic's delay instead, carrying when it is due (`due_at`),
   * and goes round again until then. Returns the topic's delay.
   */
  private async toRetryTopic(
    message: DeliveryMessage,
    dueAt: number,
    now: number,
  ): Promise<number> {
    const afterMs = dueAt - now;
    const floor = afterMs / (1 + RETRY_JITTER);
    const longest = this.delays[this.delays.length - 1];
    const delay = this.delays.find((candidate) => candidate >= floor) ?? longest;
    const stepped = floor > longest;
    const value: DeliveryMessage = { ...message };
    if (stepped) value.due_at = new Date(dueAt).toISOString();
    else delete value.due_at;
    await this.producer.send(retryTopic(delay), [
      {
        key: message.subscription_id,
        value,
        headers: { [Headers.notBefore]: String(stepped ? now + delay : dueAt) },
      },
    ]);
    return delay;
  }

  async deadLetter(
    key: string | null,
    value: Buffer | DeliveryMessage | null,
    code: DeadLetterCode,
    reason: string,
  ): Promise<void> {
    await this.producer.sendRaw(Topics.deliveriesDlq.name, [
      {
        key,
        value:
          value === null || Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value)),
        headers: { [Headers.reasonCode]: code, [Headers.reason]: reason },
      },
    ]);
  }
}

/** How long a delivery back from one step of a long wait (`toRetryTopic`) still waits; 0 when due. */
export function stillWaiting(message: Pick<DeliveryMessage, 'due_at'>, now: number): number {
  if (message.due_at === undefined) return 0;
  const dueAt = Date.parse(message.due_at);
  return Number.isFinite(dueAt) && dueAt > now ? dueAt - now : 0;
}
