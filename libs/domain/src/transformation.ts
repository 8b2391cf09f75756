import jsonata from 'jsonata';
import type { DeliveredBody } from './delivered-body';
import type { JsonObject, JsonValue } from './json';

/**
 * Body transformations: a JSONata expression (https://jsonata.org) that turns what Herald knows of
 * one delivery into the JSON body sent. JSONata is a query and transformation language with no access
 * to the process, the network or the file system, so a tenant's transformation can only compute.
 * What it can still cost is bounded: evaluation time, nesting depth, sequence length and the size of
 * the body it returns; regular expressions are refused because a backtracking pattern cannot be
 * stopped once it runs.
 */

/** The longest transformation accepted, in characters. */
export const MAX_TRANSFORMATION_LENGTH = 16 * 1024;

export const TRANSFORMATION_LIMITS = {
  /**
   * Evaluation steps (expression nodes evaluated) one evaluation may take: 0.3–0.8 µs each, so at
   * most about 100–200 ms of the deliverer's CPU. Counted rather than timed: JSONata evaluates
   * asynchronously, so a wall-clock limit also counted every other delivery's work and every pause
   * between its steps — 2,000 evaluations at once all timed out, as did every one in flight across a
   * 150 ms stall, and a healthy transformation dead-lettered deliveries under load. A count gives
   * the same answer for the same event, whatever else runs. (The seeds' transformations take 19–99
   * steps; a map over 10,000 items about 70,000.)
   */
  steps: 200_000,
  /** Nested evaluation depth (recursion included). */
  stackDepth: 300,
  /** The longest sequence (list) it may build. */
  sequence: 100_000,
  /** The largest body it may return, as UTF-8 JSON. */
  maxBodyBytes: 256 * 1024,
} as const;

/** What a transformation sees: the root document `$` of its expression. */
export interface TransformationInput {
  event: {
    id: string;
    type: string;
    occurred_at: string;
    subject: string | null;
    changed_fields: string[] | null;
    /** After the subscription's `payload_fields`. */
    data: JsonValue;
  };
  subscription_id: string;
  delivery_id: string;
  /** This attempt's number, from 1. */
  attempt: number;
  tenant_id: string;
  /** The subscription's own `metadata` (`{}` when it has none). */
  metadata: JsonObject;
}

export type Rendered = { ok: true; body: string } | { ok: false; message: string };

interface JsonataError {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

/** JSONata's hook before each node it evaluates (`jsonata.__evaluate_entry`). */
const EVALUATE_ENTRY = Symbol.for('jsonata.__evaluate_entry');

/**
 * Steps taken by each evaluation in progress, keyed by its own environment (`environment.base`, one
 * per `evaluate` call): one compiled expression evaluates many deliveries at once.
 */
const stepsTaken = new WeakMap<object, number>();

function countStep(_node: unknown, _input: unknown, environment: { base: object }): void {
  const taken = (stepsTaken.get(environment.base) ?? 0) + 1;
  if (taken > TRANSFORMATION_LIMITS.steps) {
    throw new Error(
      `it took more than ${TRANSFORMATION_LIMITS.steps.toLocaleString('en')} evaluation steps`,
    );
  }
  stepsTaken.set(environment.base, taken);
}

function describe(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as JsonataError;
  const message = e.message ?? String(error);
  const where = typeof e.position === 'number' ? ` at position ${e.position}` : '';
  return e.code ? `${e.code}${where}: ${message}` : message;
}

/** True when the parsed expression holds a regular expression anywhere (an iterative walk). */
function hasRegex(ast: unknown): boolean {
  const stack: unknown[] = [ast];
  // Each node once: a guard against a parser that shares nodes (none was seen to, even with `%`).
  const seen = new Set<object>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (node instanceof RegExp) return true;
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if ((node as { type?: unknown }).type === 'regex') return true;
    for (const value of Object.values(node)) {
      if (typeof value === 'object' && value !== null) stack.push(value);
    }
  }
  return false;
}

export class Transformation {
  private constructor(
    readonly source: string,
    private readonly expression: jsonata.Expression,
  ) {}

  /** Compiles a transformation, or says why it cannot be one (the message names the position). */
  static compile(
    source: string,
  ): { ok: true; value: Transformation } | { ok: false; message: string } {
    if (source.trim() === '') return { ok: false, message: 'must not be empty' };
    if (source.length > MAX_TRANSFORMATION_LENGTH) {
      return { ok: false, message: `must be at most ${MAX_TRANSFORMATION_LENGTH} characters` };
    }
    let expression: jsonata.Expression;
    try {
      expression = jsonata(source, {
        stack: TRANSFORMATION_LIMITS.stackDepth,
        sequence: TRANSFORMATION_LIMITS.sequence,
      });
    } catch (error) {
      return { ok: false, message: `is not a valid JSONata expression: ${describe(error)}` };
    }
    if (hasRegex(expression.ast())) {
      return {
        ok: false,
        message: 'may not use regular expressions (their running time cannot be bounded)',
      };
    }
    // JSONata calls this before it evaluates each node, for every evaluation of the expression.
    // (Its typings name bindings by string; the hook is bound by symbol.)
    (expression as unknown as { assign(name: symbol, value: unknown): void }).assign(
      EVALUATE_ENTRY,
      countStep,
    );
    return { ok: true, value: new Transformation(source, expression) };
  }

  /** The body this transformation gives for one delivery, or why it gives none. */
  async render(input: TransformationInput): Promise<Rendered> {
    let result: unknown;
    try {
      result = await this.expression.evaluate(input);
    } catch (error) {
      return { ok: false, message: `transformation failed: ${describe(error)}` };
    }
    if (result === undefined) {
      return { ok: false, message: 'transformation failed: it gave no value for this delivery' };
    }
    let body: string | undefined;
    try {
      body = JSON.stringify(result);
    } catch (error) {
      return { ok: false, message: `transformation failed: ${describe(error)}` };
    }
    if (body === undefined) {
      return { ok: false, message: 'transformation failed: it gave a function, not JSON' };
    }
    if (Buffer.byteLength(body, 'utf8') > TRANSFORMATION_LIMITS.maxBodyBytes) {
      return {
        ok: false,
        message: `transformation failed: its body is larger than ${TRANSFORMATION_LIMITS.maxBodyBytes} bytes`,
      };
    }
    return { ok: true, body };
  }
}

/**
 * Compiled transformations by source, the least recently used dropped past `capacity`: a delivery
 * compiles its subscription's transformation once, not once per event.
 */
export class TransformationCache {
  private readonly compiled = new Map<string, Transformation | string>();

  constructor(private readonly capacity = 1_000) {}

  /** The compiled transformation, or the reason the source does not compile. */
  get(source: string): Transformation | string {
    const hit = this.compiled.get(source);
    if (hit !== undefined) {
      this.compiled.delete(source);
      this.compiled.set(source, hit);
      return hit;
    }
    const result = Transformation.compile(source);
    const entry = result.ok ? result.value : result.message;
    this.compiled.set(source, entry);
    if (this.compiled.size > this.capacity) {
      const oldest = this.compiled.keys().next().value;
      if (oldest !== undefined) this.compiled.delete(oldest);
    }
    return entry;
  }
}

/** What a transformation sees of one attempt: the standard body and what the body leaves out. */
export function transformationInputOf(
  body: DeliveredBody,
  context: {
    subject: string | null;
    changedFields: string[] | null;
    tenantId: string;
    /** This attempt's number, from 1. */
    attempt: number;
    metadata: JsonObject;
  },
): TransformationInput {
  return {
    event: {
      id: body.id,
      type: body.type,
      occurred_at: body.timestamp,
      subject: context.subject,
      changed_fields: context.changedFields,
      data: body.data,
    },
    subscription_id: body.subscription_id,
    delivery_id: body.delivery_id,
    attempt: context.attempt,
    tenant_id: context.tenantId,
    metadata: context.metadata,
  };
}
