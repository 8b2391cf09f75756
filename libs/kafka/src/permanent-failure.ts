/**
 * SQLSTATE classes that say the data is at fault, so the same statement with the same values fails
 * again however often it is retried: 22 data exception (a NUL, bytes that are not UTF-8, a value out
 * of range), 54 program limit exceeded (a statement or value too complex).
 */
const PERMANENT_SQLSTATE = /^(22|54)[0-9A-Z]{3}$/;

/** What Kafka refuses for the message itself (kafkajs puts the broker's error name in `type`). */
const PERMANENT_KAFKA_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
]);

/** Errors the JavaScript engine throws for a value too deep or too large to walk or build. */
const PERMANENT_RANGE_ERRORS =
  /Maximum call stack size exceeded|Invalid string length|Invalid array length/;

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let at = error; at && typeof at === 'object' && chain.length < 8;) {
    chain.push(at);
    const next = at as { cause?: unknown; originalError?: unknown; driverError?: unknown };
    at = next.driverError ?? next.originalError ?? next.cause;
  }
  return chain;
}

/**
 * Whether a handler's error is bound to the message it handled — the same message fails the same
 * way on every try — rather than to the infrastructure (a connection, a timeout, a rebalance).
 * Such a message is dead-lettered at once instead of stopping its partition.
 */
export function isPermanentFailure(error: unknown): boolean {
  return causes(error).some((cause) => {
    const { code, type, name, message } = cause as {
      code?: unknown;
      type?: unknown;
      name?: unknown;
      message?: unknown;
    };
    if (typeof code === 'string' && PERMANENT_SQLSTATE.test(code)) return true;
    if (typeof type === 'string' && PERMANENT_KAFKA_TYPES.has(type)) return true;
    return (
      name === 'RangeError' && typeof message === 'string' && PERMANENT_RANGE_ERRORS.test(message)
    );
  });
}
