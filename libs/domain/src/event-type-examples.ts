import Ajv from 'ajv';
import { validateInboundEvent, type InboundEvent } from './event';
import { matchesEventType } from './event-type-glob';
import type { JsonObject, JsonValue } from './json';

/** Enough to show the shapes a type takes (Svix shows one); the catalog is not a test fixture store. */
export const MAX_EVENT_TYPE_EXAMPLES = 10;

export interface ExampleProblem {
  field: string;
  message: string;
}

/** An example as the `data` of an event, by the rules ingest applies to an event's data. */
export function exampleData(
  example: JsonValue,
): { ok: true; data: InboundEvent['data'] } | { ok: false; message: string } {
  const checked = validateInboundEvent({ tenant_id: 'example', type: 'example', data: example });
  return checked.ok
    ? { ok: true, data: checked.value.data }
    : { ok: false, message: checked.error.message };
}

/**
 * What is wrong with an event type's examples, by field (`examples`, `examples[i]`): at most
 * {@link MAX_EVENT_TYPE_EXAMPLES}, together at most `maxBytes` of JSON (so any one fits in an event),
 * and each one what an event of the type may carry as `data`: ingest's rules and the type's JSON
 * Schema when it has one.
 */
export function exampleProblems(
  examples: readonly JsonValue[],
  schema: JsonObject | null,
  maxBytes: number,
): ExampleProblem[] {
  if (examples.length > MAX_EVENT_TYPE_EXAMPLES) {
    return [{ field: 'examples', message: `must have at most ${MAX_EVENT_TYPE_EXAMPLES} entries` }];
  }
  const bytes = Buffer.byteLength(JSON.stringify(examples));
  if (bytes > maxBytes) {
    return [
      {
        field: 'examples',
        message: `must be at most ${maxBytes} bytes of JSON together (HERALD_MAX_EVENT_BYTES); these are ${bytes}`,
      },
    ];
  }
  let validate: ReturnType<Ajv['compile']> | null = null;
  if (schema) {
    try {
      validate = new Ajv({ strict: false, allErrors: false }).compile(schema);
    } catch {
      // The API refuses schemas that do not compile; one that slipped in checks nothing, as at ingest.
    }
  }
  const problems: ExampleProblem[] = [];
  examples.forEach((example, index) => {
    const field = `examples[${index}]`;
    const checked = exampleData(example);
    if (!checked.ok) {
      problems.push({ field, message: `is not what an event may carry: ${checked.message}` });
    } else if (validate && !validate(checked.data)) {
      const error = validate.errors?.[0];
      const missing = (error?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const segments = [
        ...(error?.instancePath ? error.instancePath.slice(1).split('/') : []),
        ...(missing ? [missing] : []),
      ];
      const at = segments.length > 0 ? `${field}.${segments.join('.')}` : field;
      const what = missing ? 'is required' : (error?.message ?? 'is invalid');
      problems.push({ field, message: `does not match the schema: ${at} ${what}` });
    }
  });
  return problems;
}

/**
 * The type a test send without a type or data sends an example of: for the subscription's event
 * types in their order, the type itself, or for a glob the first matching type in `typesWithExamples`
 * (the catalog's types that have an example, in name order). Null when none has one.
 */
export function pickExampleType(
  subscribedTypes: readonly string[],
  typesWithExamples: readonly string[],
): string | null {
  for (const glob of subscribedTypes) {
    const type = typesWithExamples.find((name) => matchesEventType(glob, name));
    if (type !== undefined) return type;
  }
  return null;
}
