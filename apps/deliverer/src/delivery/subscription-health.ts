import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import { HERALD_ORIGIN, Headers, Topics, type DeliveryEnvelope } from '@herald/contracts';
import {
  OperationalEventTypes,
  assessAttempt,
  deliveryExhaustedEvent,
  deliveryRecoveredEvent,
  subscriptionDisabledEvent,
  type AttemptVerdict,
  type NextStep,
  type OperationalEventContext,
  type OperationalEventEnvelope,
  type SendResult,
} from '@herald/domain';
import { TypedProducer } from '@herald/kafka';
import {
  OutboxRelay,
  SubscriptionsRepository,
  type SubscriptionHealthWriter,
  SubscriptionChanges,
  type SubscriptionDisabler,
} from '@herald/persistence';
import { JsonLogger } from '@herald/observability';
import type { DelivererConfig } from '../deliverer.config';

/** How long a success that found a subscription not failing spares the next successes their write. */
const HEALTHY_FOR_MS = 2_000;

function verdictOf(result: SendResult): AttemptVerdict {
  if (result.ok) return 'succeeded';
  if (result.gone) return 'gone';
  return result.failure === 'ours' ? 'ours' : 'failed';
}

/**
 * Keeps each subscription's health after every attempt: a `410 Gone` or failing for
 * HERALD_AUTO_DISABLE_AFTER without a success disables it, and Herald tells the tenant through
 * operational events (`herald.subscription.disabled`, `herald.delivery.exhausted`,
 * `herald.delivery.recovered`) that go through ingest like any producer's event.
 *
 * Errors propagate: the attempt is then handled again (a duplicate the receiver de-duplicates by
 * `webhook-id`), and the operational event, whose id is fixed by delivery and attempt, is
 * de-duplicated by ingest.
 */
@Injectable()
export class SubscriptionHealth {
  /**
   * Subscriptions whose last success found them not failing, until when that is trusted: another
   * deliverer's failure is seen within that time.
   */
  private readonly healthyUntil = new Map<string, number>();
  /**
   * Subscriptions whose success is being written: the successes that finish meanwhile (a busy
   * endpoint has hundreds in flight) leave it to that one write, which ends the same failing run.
   */
  private readonly notingSuccess = new Set<string>();

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: DelivererConfig,
    @Inject(SubscriptionsRepository) private readonly subscriptions: SubscriptionHealthWriter,
    @Inject(SubscriptionChanges) private readonly changes: SubscriptionDisabler,
    private readonly producer: TypedProducer,
    private readonly outbox: OutboxRelay,
    private readonly logger: JsonLogger,
  ) {}

  /**
   * Whether an attempt with this result leaves nothing to write or tell, known without waiting: a
   * refusal — the subscription is disabled or deleted, which says nothing about its endpoint, and one
   * event per pending delivery of such a subscription would only be noise — or a success while the
   * subscription was known healthy a moment ago, or while another success is being written (the hot
   * path of a busy endpoint, which then costs no promise).
   */
  unchangedBy(subscriptionId: string, result: SendResult): boolean {
    if (!result.ok) return result.refused !== undefined;
    return (
      (this.healthyUntil.get(subscriptionId) ?? 0) > Date.now() ||
      this.notingSuccess.has(subscriptionId)
    );
  }

  async afterAttempt(message: DeliveryEnvelope, result: SendResult, step: NextStep): Promise<void> {
    const { tenant_id: tenantId, subscription_id: subscriptionId } = message;
    if (this.unchangedBy(subscriptionId, result)) return;
    const now = new Date();
    const verdict = verdictOf(result);

    let failingSince: Date | null = null;
    if (verdict === 'succeeded') {
      this.notingSuccess.add(subscriptionId);
      try {
        failingSince = await this.subscriptions.noteSuccess(tenantId, subscriptionId);
      } finally {
        this.notingSuccess.delete(subscriptionId);
      }
      this.knownHealthy(subscriptionId, now.getTime());
    } else if (verdict === 'failed' || verdict === 'gone') {
      this.healthyUntil.delete(subscriptionId);
      const noted = await this.subscriptions.noteFailure(tenantId, subscriptionId, now);
      if (!noted) return;
      failingSince = noted.started ? null : noted.failingSince;
    }
    const transitions = assessAttempt({
      eventType: message.event_type,
      verdict,
      exhausted: step.kind === 'dead',
      failingSince,
      now,
      autoDisableAfterMs: this.config.delivery.autoDisableAfterMs,
    });
    const context: OperationalEventContext = {
      tenantId,
      subscriptionId,
      deliveryId: message.delivery_id,
      eventId: message.event_id,
      eventType: message.event_type,
      attempts: message.attempt + 1,
      statusCode: result.statusCode,
      failingSince: transitions.recovered ? failingSince : transitions.failingSince,
      now,
    };
    const emits = new Set(transitions.emit);

    if (transitions.disable) {
      const disable = transitions.disable;
      // Emitted inside the disabling transaction: a failed emission leaves the subscription active
      // (the attempt is handled again and decides again), so a disable is never left untold.
      const disabled = await this.changes.disable(
        tenantId,
        subscriptionId,
        disable.reason,
        emits.has(OperationalEventTypes.subscriptionDisabled)
          ? () => this.emit(subscriptionDisabledEvent(context, disable))
          : undefined,
      );
      if (disabled) {
        // The disable went to the outbox with it: on to the changelog, for the event-ingests.
        this.outbox.nudge();
        this.logger.event('warn', 'subscription disabled', {
          tenant_id: tenantId,
          subscription_id: subscriptionId,
          delivery_id: message.delivery_id,
          reason: disable.reason,
          cause: disable.cause,
          failing_since: transitions.failingSince?.toISOString() ?? null,
        });
      }
    }
    if (step.kind === 'dead' && emits.has(OperationalEventTypes.deliveryExhausted)) {
      await this.emit(deliveryExhaustedEvent(context, step.reason));
    }
    if (
      transitions.recovered &&
      failingSince &&
      emits.has(OperationalEventTypes.deliveryRecovered)
    ) {
      try {
        await this.emit(deliveryRecoveredEvent(context));
      } catch (error) {
        // Put the run of failures back, so the attempt handled again still sees a recovery to tell.
        await this.subscriptions.noteFailure(tenantId, subscriptionId, failingSince);
        throw error;
      }
    }
  }

  private async emit(event: OperationalEventEnvelope): Promise<void> {
    await this.producer.send(Topics.eventsInbound, [
      {
        key: event.tenant_id,
        value: Buffer.from(JSON.stringify(event)),
        headers: { [Headers.origin]: HERALD_ORIGIN },
      },
    ]);
    this.logger.event('info', 'operational event emitted', {
      event_id: event.id,
      tenant_id: event.tenant_id,
      type: event.type,
      subscription_id: event.subject,
    });
  }

  private knownHealthy(subscriptionId: string, now: number): void {
    this.healthyUntil.delete(subscriptionId);
    this.healthyUntil.set(subscriptionId, now + HEALTHY_FOR_MS);
    if (this.healthyUntil.size > 50_000) {
      const oldest = this.healthyUntil.keys().next().value;
      if (oldest !== undefined) this.healthyUntil.delete(oldest);
    }
  }
}
