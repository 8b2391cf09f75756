import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds from an event's acceptance to its first successful delivery: sub-second up to two days. */
export const DELIVERY_LATENCY_BUCKETS = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 10800, 21600, 43200,
  86400, 172800,
];
/** Seconds of one call (an HTTP request, one delivery attempt, one message handled). */
export const CALL_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The one metrics provider: a Prometheus registry per service, every series labelled with the
 * service. Tenant and subscription ids are never labels (unbounded cardinality, and one tenant's
 * traffic must not be visible in another's dashboards).
 */
export class HeraldMetrics {
  readonly registry = new Registry();

  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly messagesHandled: Counter<'group' | 'topic' | 'outcome'>;
  readonly messageDuration: Histogram<'group' | 'topic'>;
  readonly events: Counter<'transport' | 'outcome' | 'reason'>;
  readonly deliveriesCreated: Counter;
  readonly deliveries: Counter<'destination_type' | 'outcome'>;
  readonly attemptDuration: Histogram<'destination_type' | 'result'>;
  readonly deliveryLatency: Histogram<'destination_type'>;
  readonly retriesScheduled: Counter<'delay'>;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'herald_http_requests_total',
      help: 'HTTP requests answered, by route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'herald_http_request_duration_seconds',
      help: 'Time to answer an HTTP request.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: CALL_BUCKETS,
      registers,
    });
    this.messagesHandled = new Counter({
      name: 'herald_messages_handled_total',
      help: 'Kafka messages handled, by consumer group, topic and outcome (ack, retry, defer, dead_letter, error).',
      labelNames: ['group', 'topic', 'outcome'],
      registers,
    });
    this.messageDuration = new Histogram({
      name: 'herald_message_handle_duration_seconds',
      help: 'Time to handle one Kafka message, its outcome made durable.',
      labelNames: ['group', 'topic'],
      buckets: CALL_BUCKETS,
      registers,
    });
    this.events = new Counter({
      name: 'herald_events_total',
      help: 'Events offered to Herald, by transport and outcome (accepted, rejected, duplicate) and rejection reason.',
      labelNames: ['transport', 'outcome', 'reason'],
      registers,
    });
    this.deliveriesCreated = new Counter({
      name: 'herald_deliveries_created_total',
      help: 'Deliveries created by matching events to subscriptions.',
      registers,
    });
    this.deliveries = new Counter({
      name: 'herald_deliveries_total',
      help: 'Delivery handlings by destination type and outcome (delivered, retry_scheduled, dead_lettered, deferred).',
      labelNames: ['destination_type', 'outcome'],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'herald_delivery_attempt_duration_seconds',
      help: 'Duration of one delivery attempt (one request to the destination), by result.',
      labelNames: ['destination_type', 'result'],
      buckets: CALL_BUCKETS,
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'herald_delivery_latency_seconds',
      help: 'From the event accepted to its first successful delivery, retries included.',
      labelNames: ['destination_type'],
      buckets: DELIVERY_LATENCY_BUCKETS,
      registers,
    });
    this.retriesScheduled = new Counter({
      name: 'herald_retries_scheduled_total',
      help: 'Deliveries sent to a retry topic, by the retry delay.',
      labelNames: ['delay'],
      registers,
    });
  }

  /**
   * A gauge read when Prometheus scrapes. `read` may be slow (a database or broker round trip), so a
   * value is reused for `cacheMs`. A failing read keeps the last values it had (none at first) and is
   * tried again at the next scrape, so a broker hiccup never reports a false zero.
   */
  gauge<L extends string>(
    definition: { name: string; help: string; labelNames?: readonly L[] },
    read: () => Promise<{ labels: Partial<Record<L, string>>; value: number }[]>,
    cacheMs = 5_000,
  ): Gauge<L> {
    let readAt = Number.NEGATIVE_INFINITY;
    let values: { labels: Partial<Record<L, string>>; value: number }[] = [];
    return new Gauge<L>({
      name: definition.name,
      help: definition.help,
      labelNames: definition.labelNames ?? [],
      registers: [this.registry],
      async collect() {
        if (Date.now() - readAt >= cacheMs) {
          try {
            values = await read();
            readAt = Date.now();
          } catch {
            // Keep the last values; the next scrape reads again.
          }
        }
        this.reset();
        for (const { labels, value } of values) this.set(labels, value);
      },
    });
  }

  /** Starts a timer; the returned function records the elapsed seconds. */
  static since(startedAt: bigint): number {
    return Number(process.hrtime.bigint() - startedAt) / 1e9;
  }
}
