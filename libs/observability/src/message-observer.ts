import type { HandlingSummary } from './handling-summary';
import { HeraldMetrics } from './metrics';
import { consumeSpan } from './tracing';

/** What the observer reads of a consumed message (a subset of the Kafka runner's raw message). */
export interface ObservedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
}

const OUTCOME_LABELS: Record<string, string> = {
  ack: 'ack',
  retry: 'retry',
  defer: 'defer',
  deadLetter: 'dead_letter',
};

/**
 * Wraps each message a consumer group handles: a consumer span continuing the producer's trace, and
 * `herald_messages_handled_total` / `herald_message_handle_duration_seconds` by outcome (`error` when
 * the handling failed and will be redone), and the group's periodic summary line.
 */
export function messageObserver(
  metrics: HeraldMetrics,
  group: string,
  summary?: HandlingSummary,
): <R extends { kind: string }>(message: ObservedMessage, work: () => Promise<R>) => Promise<R> {
  return async (message, work) => {
    const started = process.hrtime.bigint();
    const labels = { group, topic: message.topic };
    let outcome = 'error';
    try {
      const result = await consumeSpan(group, message, work);
      outcome = OUTCOME_LABELS[result.kind] ?? result.kind;
      return result;
    } finally {
      const seconds = HeraldMetrics.since(started);
      metrics.messagesHandled.inc({ ...labels, outcome });
      metrics.messageDuration.observe(labels, seconds);
      summary?.record(outcome, seconds);
    }
  };
}
