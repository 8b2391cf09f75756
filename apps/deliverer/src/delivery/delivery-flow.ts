import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { HERALD_CONFIG } from '@herald/config';
import type { DeliveryMessage } from '@herald/contracts';
import {
  CircuitBreakers,
  RateLimiter,
  failedSend,
  refusedSend,
  whyRefused,
  type Refusal,
  waitForCircuit,
  type NextStep,
  DEFAULT_MAX_IN_FLIGHT,
} from '@herald/domain';
import { ack, defer, type HandlerOutcome } from '@herald/kafka';
import { HeraldMetrics } from '@herald/observability';
import { StrictOrderRepository, type DeliveryTarget } from '@herald/persistence';
import { DeliveryService } from './delivery.service';
import { DeliveryTargets } from './delivery-targets';
import { DeliveryRouter, stillWaiting } from './delivery-router';
import { outcomeOf } from './step-outcome';
import type { DelivererConfig } from '../deliverer.config';

/** Longest a best-effort delivery waits in its lane for the rate limit before it is deferred. */
const MAX_RATE_WAIT_MS = 1_000;
/** Parked deliveries a released strict subscription sends in one go before handing on. */
const DRAIN_LIMIT = 50;

/**
 * What happens to one delivery before and after its attempt: ordering (`strict` holds and parks
 * later deliveries while one is failing), the per-subscription circuit breaker and rate limit, and
 * the outcome the consumer runner makes durable. A deleted or disabled subscription's deliveries are
 * dead-lettered before any of that, so nothing defers them.
 */
@Injectable()
export class DeliveryFlow {
  private readonly breakers: CircuitBreakers;
  private readonly limiter = new RateLimiter();

  constructor(
    @Inject(HERALD_CONFIG) config: DelivererConfig,
    private readonly delivery: DeliveryService,
    private readonly targets: DeliveryTargets,
    private readonly strict: StrictOrderRepository,
    private readonly router: DeliveryRouter,
    metrics: HeraldMetrics,
  ) {
    const breakers = new CircuitBreakers({
      failureThreshold: config.delivery.circuitBreaker.threshold,
      openMs: config.delivery.circuitBreaker.openMs,
    });
    this.breakers = breakers;
    metrics.gauge(
      {
        name: 'herald_circuit_breakers_open',
        help: 'Subscriptions whose circuit breaker is open or waiting for its trial call, in this deliverer.',
      },
      () => Promise.resolve([{ labels: {}, value: breakers.openCount() }]),
      0,
    );
  }

  /**
   * `release` lets the subscription's next delivery start once this one's answer is in (and, for a
   * strict subscription, only when it succeeded): recording the attempt goes on meanwhile, so the
   * window counts calls in flight, not attempts being written.
   */
  async handle(message: DeliveryMessage, release: () => void = noop): Promise<HandlerOutcome> {
    const cached = this.targets.cached(message.subscription_id);
    const target =
      cached !== undefined
        ? cached
        : await this.targets.get(message.tenant_id, message.subscription_id);
    if (target === null) return this.refuse(message, 'deleted');
    const refusal = whyRefused(target);
    // Back from one step of a wait longer than the retry topics hold: on to the next step, unless
    // the subscription refuses it (it is dead-lettered now, as below).
    const waiting = refusal === null ? stillWaiting(message, Date.now()) : 0;
    if (waiting > 0) {
      await this.router.waitOn(message, waiting);
      return ack();
    }
    if (target.ordering === 'strict') return this.handleStrict(message, target, refusal, release);

    const subscription = message.subscription_id;
    // Strict until recently: what waits behind its hold goes on now, as best-effort deliveries.
    if (target.held) await this.releaseHold(message.tenant_id, subscription);
    if (refusal !== null) return this.refuse(message, refusal);
    // The rate limit first: a delivery it defers must not take the circuit's one trial call.
    if (target.rateLimitPerSecond) {
      const wait = await this.awaitToken(subscription, target.rateLimitPerSecond, MAX_RATE_WAIT_MS);
      if (wait > 0) return defer(wait, 'rate limit');
    }
    const now = Date.now();
    const circuit = this.breakers.decide(subscription, now);
    if (circuit.kind === 'skip') {
      const wait = waitForCircuit({
        retryAt: circuit.retryAt,
        deadline: this.router.deadlineOf(message, now),
        now,
        attemptsMade: message.attempt,
      });
      if (wait.kind === 'defer') return defer(wait.afterMs, 'circuit open: endpoint failing');
      const step = await this.delivery.refuse(
        message,
        failedSend('retryable', wait.reason),
        target.destinationType,
      );
      return outcomeOf(step).handler;
    }
    // The breaker hears of the answer as soon as it comes, before the attempt is recorded.
    const step = await this.delivery.attempt(message, (next) => {
      this.observe(subscription, next);
      release();
    });
    return outcomeOf(step).handler;
  }

  /**
   * How many deliveries of a subscription may be in flight at once: one while its policy is not
   * known yet, for strict subscriptions and SQS FIFO queues (one at a time, in order — a FIFO queue
   * keeps the order it is sent in), and while its endpoint is failing
   * (a failing endpoint is probed one call at a time, not hammered, until one succeeds); else its
   * window.
   */
  windowOf(subscriptionId: string | null): number {
    if (subscriptionId === null || this.breakers.isFailing(subscriptionId)) return 1;
    const target = this.targets.known(subscriptionId);
    if (target === null || target.ordering === 'strict' || target.fifo) return 1;
    return target.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  }

  private async refuse(message: DeliveryMessage, refusal: Refusal): Promise<HandlerOutcome> {
    return outcomeOf(await this.delivery.refuse(message, refusedSend(refusal))).handler;
  }

  /**
   * A strict subscription that is deleted or disabled parks nothing more: its delivery is
   * dead-lettered now, and so is what was parked behind a hold (which is released), without waiting
   * for the rate limit.
   */
  private async handleStrict(
    message: DeliveryMessage,
    target: DeliveryTarget,
    refusal: Refusal | null,
    release: () => void,
  ): Promise<HandlerOutcome> {
    const { tenant_id: tenant, subscription_id: subscription } = message;
    if (
      refusal === null &&
      (await this.strict.parkIfHeld(tenant, subscription, message.delivery_id, message))
    ) {
      return ack();
    }
    const pace = refusal === null ? target.rateLimitPerSecond : null;
    if (pace) await this.awaitToken(subscription, pace, Infinity);
    // A failure holds the subscription before the next delivery may start; a success does not wait
    // for its record (what follows it either is not held or parks behind the hold being drained), so
    // a later delivery may fail and hold the subscription before this one is done: see `drain`.
    const step = await this.sendOrRefuse(message, refusal, (next) => {
      if (next.kind === 'done') release();
    });
    if (step.kind === 'retry') {
      await this.strict.hold(tenant, subscription, message.delivery_id);
      return outcomeOf(step).handler;
    }
    if (step.kind === 'dead')
      await this.router.deadLetter(subscription, message, 'exhausted', step.reason);
    await this.drain(tenant, subscription, message.delivery_id, pace, refusal);
    return ack();
  }

  private sendOrRefuse(
    message: DeliveryMessage,
    refusal: Refusal | null,
    heard?: (step: NextStep) => void,
  ): Promise<NextStep> {
    return refusal === null
      ? this.delivery.attempt(message, heard)
      : this.delivery.refuse(message, refusedSend(refusal));
  }

  /**
   * The delivery holding a strict subscription is done (delivered or dead-lettered): send what was
   * parked behind it, in order, until one fails — it then holds the subscription — or nothing is
   * left and the hold is released. After DRAIN_LIMIT the next one is handed on through the retry
   * path as the new holder, so one handler does not run for ever. A hold another delivery placed
   * (one after `deliveryId` that failed meanwhile) is that one's to end, unless the subscription
   * refuses its deliveries: then whatever is parked is dead-lettered now.
   */
  private async drain(
    tenant: string,
    subscription: string,
    deliveryId: string,
    rateLimitPerSecond: number | null,
    refusal: Refusal | null,
  ): Promise<void> {
    const blocker = await this.strict.blockerOf(tenant, subscription);
    if (blocker === null || (refusal === null && blocker !== deliveryId)) return;
    for (let sent = 0; ; sent++) {
      const next = await this.strict.firstParked<DeliveryMessage>(tenant, subscription);
      if (!next) {
        if (await this.strict.releaseIfEmpty(tenant, subscription)) return;
        continue;
      }
      if (sent >= DRAIN_LIMIT) {
        await this.strict.hold(tenant, subscription, next.deliveryId);
        await this.router.later(next.message, { kind: 'defer', afterMs: 0, reason: 'draining' });
        await this.strict.unpark(next.seq);
        return;
      }
      if (rateLimitPerSecond) await this.awaitToken(subscription, rateLimitPerSecond, Infinity);
      const step = await this.sendOrRefuse(next.message, refusal);
      const outcome = outcomeOf(step).handler;
      if (outcome.kind === 'retry') {
        await this.strict.hold(tenant, subscription, next.deliveryId);
        await this.router.later(next.message, outcome);
        await this.strict.unpark(next.seq);
        return;
      }
      if (step.kind === 'dead') {
        await this.router.deadLetter(subscription, next.message, 'exhausted', step.reason);
      }
      await this.strict.unpark(next.seq);
    }
  }

  /**
   * A subscription switched from `strict` to `best_effort` while held: its parked deliveries are
   * handed to the retry path (due now, no attempt counted), in their order, and the hold goes.
   */
  private async releaseHold(tenant: string, subscription: string): Promise<void> {
    await this.strict.releaseAll<DeliveryMessage>(tenant, subscription, async (parked) => {
      for (const { message } of parked) {
        await this.router.later(message, { kind: 'defer', afterMs: 0, reason: 'ordering relaxed' });
      }
    });
    this.targets.forget(subscription);
  }

  /** Waits for a rate-limit token up to `maxWaitMs`; returns 0 when taken, else the wait still due. */
  private async awaitToken(
    subscription: string,
    perSecond: number,
    maxWaitMs: number,
  ): Promise<number> {
    for (;;) {
      const wait = this.limiter.take(subscription, perSecond, Date.now());
      if (wait === 0) return 0;
      if (wait > maxWaitMs) return wait;
      await sleep(wait);
    }
  }

  private observe(subscription: string, step: NextStep): void {
    // A last attempt that failed counts too, so a trial call that ends the schedule reopens the circuit.
    if (step.kind === 'done') this.breakers.succeeded(subscription);
    else this.breakers.failed(subscription, Date.now());
  }
}

function noop(): void {}
