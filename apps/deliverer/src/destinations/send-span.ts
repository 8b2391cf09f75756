import type { SendResult } from '@herald/domain';
import { failSpan, type Span } from '@herald/observability';

/**
 * Puts an attempt's answer on its CLIENT span: the destination's status code under
 * `statusAttribute`, and a failure as error status, typed by that code or else by its class.
 */
export function recordSendResult(
  span: Span,
  result: SendResult,
  statusAttribute: string,
): SendResult {
  if (result.statusCode !== null) span.setAttribute(statusAttribute, result.statusCode);
  if (!result.ok) {
    span.setAttribute('herald.failure_class', result.failure);
    failSpan(
      span,
      result.statusCode !== null ? String(result.statusCode) : result.failure,
      result.message,
    );
  }
  return result;
}
