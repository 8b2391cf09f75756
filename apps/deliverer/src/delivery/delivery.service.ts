import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import type { DeliveryMessage } from '@herald/contracts';
import {
  SUBSCRIPTION_DISABLED,
  failedSend,
  nextStep,
  type NextStep,
  type SendResult,
} from '@herald/domain';
import { SecretsUnreadableError, SubscriptionsRepository } from '@herald/persistence';
import { WebhookSender } from '../destinations/webhook.sender';
import { EmailSender } from '../destinations/email.sender';
import { AttemptRecorder } from './attempt-recorder';
import { SqsSender } from '../destinations/sqs.sender';
import { SubscriptionHealth } from './subscription-health';

const ERROR_MESSAGE_LIMIT = 1000;

/** Makes one attempt of one delivery, records it, and says what happens next. */
@Injectable()
export class DeliveryService {
  private readonly logger: JsonLogger;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly attempts: AttemptRecorder,
    private readonly webhooks: WebhookSender,
    private readonly emails: EmailSender,
    private readonly queues: SqsSender,
    private readonly health: SubscriptionHealth,
  ) {
    this.logger = new JsonLogger('deliverer', config.logLevel);
  }

  async attempt(message: DeliveryMessage): Promise<NextStep> {
    const startedAt = new Date();
    const attempt = message.attempt + 1;
    const result = await this.send(message, startedAt);
    const durationMs = Date.now() - startedAt.getTime();
    const step = nextStep(result, attempt, this.config.retrySchedule);
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
      status: step.kind === 'done' ? 'succeeded' : step.kind === 'retry' ? 'retrying' : 'dead',
      nextAttemptAt: step.kind === 'retry' ? new Date(Date.now() + step.delayMs) : null,
    });
    this.logger.event(result.ok ? 'info' : 'warn', 'delivery attempt', {
      delivery_id: message.delivery_id,
      subscription_id: message.subscription_id,
      event_id: message.event_id,
      attempt,
      outcome: result.ok ? 'succeeded' : 'failed',
      status_code: result.statusCode,
      error_class: result.ok ? null : result.failure,
      error: result.ok ? null : result.message,
      next: step.kind,
      duration_ms: durationMs,
    });
    await this.health.afterAttempt(message, result, step);
    return step;
  }

  private async send(message: DeliveryMessage, now: Date): Promise<SendResult> {
    let found: Awaited<ReturnType<SubscriptionsRepository['getForDelivery']>>;
    try {
      found = await this.subscriptions.getForDelivery(message.tenant_id, message.subscription_id);
    } catch (error) {
      // Herald's own fault for this one delivery: it follows the retry schedule (an operator may fix
      // the key meanwhile) instead of stalling every subscription of the partition.
      if (error instanceof SecretsUnreadableError) return failedSend('ours', error.message);
      throw error;
    }
    if (!found) return failedSend('permanent', 'subscription no longer exists');
    const { subscription, signingSecrets } = found;
    // Disabled by Herald, paused, or deleted: what was still pending is dead-lettered, not sent.
    if (subscription.status === 'disabled' || !subscription.enabled)
      return failedSend('permanent', SUBSCRIPTION_DISABLED);
    const destination = subscription.destination;
    switch (destination.type) {
      case 'webhook':
        return this.webhooks.send({
          destination,
          signingSecrets,
          messageId: message.delivery_id,
          body: JSON.stringify(message.body),
          now,
          debug: subscription.debug,
        });
      case 'email':
        return this.emails.send({ destination, body: message.body });
      case 'sqs':
        return this.queues.send({ destination, body: message.body });
    }
  }
}
