import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '@herald/config';
import { Headers, Topics, retryTopic, type DeliveryMessage } from '@herald/contracts';
import { TypedProducer, type LaterOutcome } from '@herald/kafka';

/** Where deliveries go when they are not done now: the retry topic of their delay, or the DLQ. */
@Injectable()
export class DeliveryRouter {
  /** The distinct delays of the retry schedule, shortest first: one retry topic each. */
  readonly delays: number[];

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly producer: TypedProducer,
  ) {
    this.delays = [...new Set(config.retrySchedule)].sort((a, b) => a - b);
  }

  /**
   * Sends a delivery to the shortest retry topic that waits at least `afterMs` (so each topic's due
   * times only grow), due at now + afterMs. A retry counts as an attempt made; a deferral does not.
   */
  async later(message: DeliveryMessage, outcome: LaterOutcome): Promise<void> {
    const delay =
      this.delays.find((candidate) => candidate >= outcome.afterMs) ??
      this.delays[this.delays.length - 1];
    await this.producer.send(retryTopic(delay), [
      {
        key: message.subscription_id,
        value: { ...message, attempt: message.attempt + (outcome.kind === 'retry' ? 1 : 0) },
        headers: { [Headers.notBefore]: String(Date.now() + outcome.afterMs) },
      },
    ]);
  }

  async deadLetter(
    key: string | null,
    value: Buffer | DeliveryMessage | null,
    code: string,
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
