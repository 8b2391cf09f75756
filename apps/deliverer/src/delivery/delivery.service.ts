import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import type { DeliveryEnvelope, DeliveryMessage } from '@herald/contracts';
import {
  failedSend,
  refusedSend,
  whyRefused,
  type FailedSend,
  nextStep,
  type NextStep,
  type SendResult,
} from '@herald/domain';
import { HeraldMetrics, JsonLogger } from '@herald/observability';
import { SecretsUnreadableError } from '@herald/persistence';
import { DeliveryTargets } from './delivery-targets';
import { DeliveryBodies } from './delivery-bodies';
import { outcomeOf } from './step-outcome';
import { DestinationSenders } from '../destinations/destination-senders';
import { AttemptRecorder } from './attempt-recorder';
import { SubscriptionHealth } from './subscription-health';
import type { DelivererConfig } from '../deliverer.config';

const ERROR_MESSAGE_LIMIT = 1000;

/** Makes one attempt of one delivery, records it, and says what happens next. */
@Injectable()
export class DeliveryService {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: DelivererConfig,
    private readonly targets: DeliveryTargets,
    private readonly bodies: DeliveryBodies,
    private readonly attempts: AttemptRecorder,
    private readonly senders: DestinationSenders,
    private readonly health: SubscriptionHealth,
    private readonly metrics: HeraldMetrics,
    private readonly logger: JsonLogger,
  ) {}

  /** `heard` learns the next step as soon as the answer is in, before the attempt is recorded. */
  async attempt(message: DeliveryMessage, heard?: (step: NextStep) => void): Promise<NextStep> {
    const startedAt = new Date();
    const { result, destinationType, called } = await this.send(message, startedAt);
    const step = nextStep(result, message.attempt + 1, this.config.delivery.retrySchedule);
    heard?.(step);
    return this.conclude(message, { startedAt, result, destinationType, step, called });
  }

  /**
   * Dead-letters a delivery without calling its destination (its subscription is deleted or
   * disabled, or its time ran out while the endpoint's circuit was open). It is recorded like an
   * attempt that made no call, as a refusal found while sending is, so the delivery is `dead` with
   * the reason — the result's message — in its history and in the dead letters.
   */
  refuse(
    message: DeliveryEnvelope,
    result: FailedSend,
    destinationType = 'none',
  ): Promise<NextStep> {
    return this.conclude(message, {
      startedAt: new Date(),
      result,
      destinationType,
      step: { kind: 'dead', reason: result.message },
      called: false,
    });
  }

  private async conclude(
    message: DeliveryEnvelope,
    outcome: {
      startedAt: Date;
      result: SendResult;
      destinationType: string;
      step: NextStep;
      /** False when nothing was sent (the destination type may still be known). */
      called: boolean;
    },
  ): Promise<NextStep> {
    const { startedAt, result, destinationType, step } = outcome;
    const called = outcome.called && destinationType !== 'none';
    const attempt = message.attempt + 1;
    const durationMs = Date.now() - startedAt.getTime();
    this.observe(message, destinationType, result, step, called ? durationMs : null);
    await this.attempts.record({
      deliveryId: message.delivery_id,
      tenantId: message.tenant_id,
      subscriptionId: message.subscription_id,
      attempt,
      startedAt,
      durationMs,
      outcome: result.ok ? 'succeeded' : 'failed',
      statusCode: result.statusCode,
      errorClass: result.ok ? null : result.failure,
      errorMessage: result.ok ? null : result.message.slice(0, ERROR_MESSAGE_LIMIT),
      responseExcerpt: result.responseExcerpt,
      requestBody: result.requestBody ?? null,
      status: outcomeOf(step).status,
      nextAttemptAt: step.kind === 'retry' ? new Date(Date.now() + step.delayMs) : null,
    });
    this.logger.event(result.ok ? 'debug' : 'warn', 'delivery attempt', {
      delivery_id: message.delivery_id,
      subscription_id: message.subscription_id,
      event_id: message.event_id,
      attempt,
      called,
      outcome: result.ok ? 'succeeded' : 'failed',
      status_code: result.statusCode,
      error_class: result.ok ? null : result.failure,
      error: result.ok ? null : result.message,
      next: step.kind,
      duration_ms: durationMs,
    });
    if (!this.health.unchangedBy(message.subscription_id, result)) {
      await this.health.afterAttempt(message, result, step);
    }
    return step;
  }

  private observe(
    message: DeliveryEnvelope,
    destinationType: string,
    result: SendResult,
    step: NextStep,
    /** Null when no call was made. */
    durationMs: number | null,
  ): void {
    const destination_type = destinationType;
    if (durationMs !== null) {
      this.metrics.attemptDuration.observe(
        { destination_type, result: result.ok ? 'success' : 'failure' },
        durationMs / 1000,
      );
    }
    this.metrics.deliveries.inc({ destination_type, outcome: outcomeOf(step).metric });
    if (result.ok) {
      const acceptedAt = Date.parse(message.accepted_at);
      if (Number.isFinite(acceptedAt)) {
        this.metrics.deliveryLatency.observe(
          { destination_type },
          Math.max(0, Date.now() - acceptedAt) / 1000,
        );
      }
    }
  }

  /** Sends through the subscription's destination; `none` when there was nothing to send to. */
  private async send(
    message: DeliveryMessage,
    now: Date,
  ): Promise<{ result: SendResult; destinationType: string; called: boolean }> {
    const none = (result: SendResult) => ({ result, destinationType: 'none', called: false });
    // The same read the flow made, unless it changed since (a strict delivery may have waited).
    const cached = this.targets.cached(message.subscription_id);
    const target =
      cached !== undefined
        ? cached
        : await this.targets.get(message.tenant_id, message.subscription_id);
    if (!target) return none(refusedSend('deleted'));
    // Herald's own fault for this one delivery: it follows the retry schedule (an operator may fix
    // the key meanwhile) instead of stalling every subscription of the partition.
    if (target.opened instanceof SecretsUnreadableError) {
      return none(failedSend('ours', target.opened.message));
    }
    const { subscription, signingSecrets } = target.opened;
    // Disabled by Herald, paused, or deleted: what was still pending is dead-lettered, not sent. A
    // refused subscription is never trusted from the cache, so this is what PostgreSQL says now, and
    // the deliveries behind this one are refused before the circuit breaker.
    const refusal = whyRefused(target);
    if (refusal !== null) return none(refusedSend(refusal));
    const destination = subscription.destination;
    // A transformation that fails on this event fails this delivery for good, with its reason: the
    // same event would fail it again on every retry.
    const rendered =
      this.bodies.renderedNow(message, subscription) ??
      (await this.bodies.render(message, subscription));
    if (!rendered.ok) {
      return {
        result: failedSend('permanent', rendered.message),
        destinationType: destination.type,
        called: false,
      };
    }
    return {
      result: await this.senders.send({
        destination,
        body: message.body,
        payload: rendered.body,
        messageId: message.message_id ?? message.delivery_id,
        signingSecrets,
        now,
        debug: subscription.debug,
      }),
      destinationType: destination.type,
      called: true,
    };
  }
}
