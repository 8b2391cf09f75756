import type { ConnectionOptions } from 'node:tls';
import { Kafka, Partitioners, type Producer, type SASLOptions } from 'kafkajs';
import { newId, validateInboundEvent, type EventData } from '@herald/domain';

/** The envelope a service publishes: everything but `tenant_id`, `type` and `data` is optional. */
export interface PublishableEvent {
  tenant_id: string;
  type: string;
  /** Any JSON value but null: an object, a list, a string, a number or a boolean. */
  data: EventData;
  /** Your id for the event; the same `(tenant_id, id)` is accepted once. Generated when absent. */
  id?: string;
  occurred_at?: string;
  subject?: string;
  changed_fields?: string[];
}

export interface HeraldPublisherOptions {
  brokers: string[];
  clientId?: string;
  topic?: string;
  /**
   * TLS to the brokers, as kafkajs takes it: `true` trusts the system's CAs; or node's TLS options,
   * e.g. `{ ca: [pem], cert, key, servername }` (PEM contents, not file names).
   */
  ssl?: boolean | ConnectionOptions;
  sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username: string;
    password: string;
  };
}

/** The brokers refused the SASL login: wrong user, password or mechanism. Never retried. */
export class KafkaAuthenticationError extends Error {
  constructor(
    readonly mechanism: string,
    readonly username: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(
      `Kafka SASL authentication failed for user "${username}" with ${mechanism.toUpperCase()}: ${message}`,
      options,
    );
    this.name = 'KafkaAuthenticationError';
  }
}

export class InvalidEventError extends Error {
  constructor(
    readonly code: string,
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/**
 * Publishes events to Herald from a service: checks the envelope with Herald's own rules before it
 * leaves (so mistakes show up in the caller, not in `herald.events.invalid`), gives it an id, keys
 * it by tenant (so a tenant's events keep their order) and waits for all in-sync replicas.
 *
 *   const herald = await HeraldPublisher.connect({ brokers: ['127.0.0.1:9092'] });
 *   const id = await herald.publish({ tenant_id: 'ten_…', type: 'meter_data.received', data: { meter_id: 'm-1' } });
 *   await herald.disconnect();
 */
export class HeraldPublisher {
  private constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  static async connect(options: HeraldPublisherOptions): Promise<HeraldPublisher> {
    const producer = new Kafka({
      brokers: options.brokers,
      clientId: options.clientId ?? 'herald-publisher',
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
      ...(options.sasl ? { sasl: { ...options.sasl } as SASLOptions } : {}),
    }).producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect().catch((error: unknown) => {
      // kafkajs wraps what it does not retry; the SASL refusal is down the causes.
      let refused: unknown = error;
      while (refused instanceof Error && refused.name !== 'KafkaJSSASLAuthenticationError')
        refused = refused.cause;
      if (refused instanceof Error && options.sasl) {
        throw new KafkaAuthenticationError(
          options.sasl.mechanism,
          options.sasl.username,
          refused.message,
          { cause: error },
        );
      }
      throw error;
    });
    return new HeraldPublisher(producer, options.topic ?? 'herald.events.inbound');
  }

  /** Publishes events in one batch and returns their ids, in order. */
  async publish(...events: PublishableEvent[]): Promise<string[]> {
    const envelopes = events.map((event) => {
      const envelope = { ...event, id: event.id ?? newId('evt') };
      const checked = validateInboundEvent(envelope);
      if (!checked.ok)
        throw new InvalidEventError(checked.error.code, checked.error.field, checked.error.message);
      return envelope;
    });
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: envelopes.map((envelope) => ({
        key: envelope.tenant_id,
        value: JSON.stringify(envelope),
      })),
    });
    return envelopes.map((envelope) => envelope.id);
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
