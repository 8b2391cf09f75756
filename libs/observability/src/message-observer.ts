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
 * the handling failed and will be redone).
 */
export function messageObserver(
  metrics: HeraldMetrics,
  group: string,
): <R extends { kind: string }>(message: ObservedMessage, work: () => Promise<R>) => Promise<R> {
  return async (message, work) => {
    const started = process.hrtime.bigint();
    const labels = { group, topic: message.topic };
    try {
      const outcome = await consumeSpan(group, message, work);
      metrics.messagesHandled.inc({
        ...labels,
        outcome: OUTCOME_LABELS[outcome.kind] ?? outcome.kind,
      });
      return outcome;
    } catch (error) {
      metrics.messagesHandled.inc({ ...labels, outcome: 'error' });
      throw error;
    } finally {
      metrics.messageDuration.observe(labels, HeraldMetrics.since(started));
    }
  };
}
