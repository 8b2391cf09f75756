import { matchesAntGlob } from './ant-glob';
import type { EventData } from './event';
import { isJsonObject, type JsonObject, type JsonValue } from './json';

/**
 * Subscription filters: a small predicate language over an event's `subject`, `type` and
 * `data.*` paths, in the MongoDB style.
 *
 *   { "data.nodeId": { "$in": [1, 2] }, "data.sourceId": { "$glob": "/test/**" } }
 *
 * - Keys of one object must all hold (`$and` is implicit); `$and`, `$or` take lists of filters,
 *   `$not` one filter.
 * - A path is `subject`, `type`, or `data` followed by dotted keys. A path through an array looks
 *   in every element (`data.meters.meter_id` is each meter's id), `data` itself included: when the
 *   payload is a list, `data.meter_id` is each element's id. `data` alone is the whole payload, and
 *   a list there is compared whole and element by element; keys find nothing in a string, number or
 *   boolean, so a path with keys is missing when `data` is one.
 * - A plain value means `$eq`. Operators: `$eq`, `$ne`, `$in`, `$nin` (lists), `$gt`, `$gte`, `$lt`,
 *   `$lte` (numbers with numbers, strings with strings: ISO times compare correctly), `$exists`
 *   (true/false), `$glob` (an Ant pattern or a list of them: `?`, `*` within a `/` segment, `**`
 *   across segments).
 * - `$ne` and `$nin` hold when the path is missing; every other operator needs a value.
 */
export type Filter = JsonObject;

export interface FilterTarget {
  subject: string | null;
  type: string;
  data: EventData;
}

export interface FilterProblem {
  path: string;
  message: string;
}

const COMPARISONS = ['$gt', '$gte', '$lt', '$lte'] as const;
const OPERATORS = new Set(['$eq', '$ne', '$in', '$nin', '$exists', '$glob', ...COMPARISONS]);
const PATH = /^(subject|type|data(\.[^.\s]+)*)$/;
const MAX_DEPTH = 8;

export function matchesFilter(filter: Filter | null, target: FilterTarget): boolean {
  return filter === null || holds(filter, target);
}

function holds(filter: Filter, target: FilterTarget): boolean {
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and') {
      if (!(condition as Filter[]).every((part) => holds(part, target))) return false;
    } else if (key === '$or') {
      if (!(condition as Filter[]).some((part) => holds(part, target))) return false;
    } else if (key === '$not') {
      if (holds(condition as Filter, target)) return false;
    } else if (!conditionHolds(resolve(key, target), condition)) {
      return false;
    }
  }
  return true;
}

/** The values at a path: none when missing, several when the path crosses arrays. */
function resolve(path: string, target: FilterTarget): JsonValue[] {
  if (path === 'subject') return target.subject === null ? [] : [target.subject];
  if (path === 'type') return [target.type];
  let values: JsonValue[] = [target.data];
  for (const key of path.split('.').slice(1)) {
    const next: JsonValue[] = [];
    for (const value of values) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (isJsonObject(item) && item[key] !== undefined) next.push(item[key]);
      }
    }
    values = next;
  }
  // A list at the end is compared as a whole and element by element.
  return values.flatMap((value) => (Array.isArray(value) ? [value, ...value] : [value]));
}

function conditionHolds(values: JsonValue[], condition: JsonValue): boolean {
  if (!isJsonObject(condition) || !Object.keys(condition).some((key) => key.startsWith('$'))) {
    return values.some((value) => equal(value, condition));
  }
  return Object.entries(condition).every(([operator, operand]) =>
    operatorHolds(operator, operand, values),
  );
}

function operatorHolds(operator: string, operand: JsonValue, values: JsonValue[]): boolean {
  switch (operator) {
    case '$eq':
      return values.some((value) => equal(value, operand));
    case '$ne':
      return !values.some((value) => equal(value, operand));
    case '$in':
      return values.some((value) =>
        (operand as JsonValue[]).some((option) => equal(value, option)),
      );
    case '$nin':
      return !values.some((value) =>
        (operand as JsonValue[]).some((option) => equal(value, option)),
      );
    case '$exists':
      return values.length > 0 === operand;
    case '$glob': {
      const patterns = Array.isArray(operand) ? (operand as string[]) : [operand as string];
      return values.some(
        (value) => typeof value === 'string' && patterns.some((p) => matchesAntGlob(p, value)),
      );
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return values.some((value) => compare(operator, value, operand));
    default:
      return false;
  }
}

function compare(
  operator: (typeof COMPARISONS)[number],
  value: JsonValue,
  operand: JsonValue,
): boolean {
  const comparable =
    (typeof value === 'number' && typeof operand === 'number') ||
    (typeof value === 'string' && typeof operand === 'string');
  if (!comparable) return false;
  switch (operator) {
    case '$gt':
      return value > operand;
    case '$gte':
      return value >= operand;
    case '$lt':
      return value < operand;
    case '$lte':
      return value <= operand;
  }
}

function equal(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => equal(item, b[i]));
  const left = a as JsonObject;
  const right = b as JsonObject;
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length && keys.every((key) => equal(left[key], right[key]))
  );
}

/** Every problem of a filter, each with where it is, so the API can name it. */
export function validateFilter(filter: unknown, at = 'filter', depth = 0): FilterProblem[] {
  if (!isJsonObject(filter)) return [{ path: at, message: 'must be a JSON object' }];
  if (depth > MAX_DEPTH) return [{ path: at, message: `nests deeper than ${MAX_DEPTH} levels` }];
  const problems: FilterProblem[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    const here = `${at}.${key}`;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(condition) || condition.length === 0) {
        problems.push({ path: here, message: 'must be a non-empty list of filters' });
      } else {
        condition.forEach((part, i) =>
          problems.push(...validateFilter(part, `${here}[${i}]`, depth + 1)),
        );
      }
    } else if (key === '$not') {
      problems.push(...validateFilter(condition, here, depth + 1));
    } else if (key.startsWith('$')) {
      problems.push({
        path: here,
        message: 'is not a filter operator here; use $and, $or, $not or a path',
      });
    } else if (!PATH.test(key)) {
      problems.push({
        path: here,
        message: 'must be subject, type, or data followed by dotted keys',
      });
    } else if (isJsonObject(condition) && Object.keys(condition).some((k) => k.startsWith('$'))) {
      for (const [operator, operand] of Object.entries(condition)) {
        const problem = operandProblem(operator, operand);
        if (problem) problems.push({ path: `${here}.${operator}`, message: problem });
      }
    }
  }
  return problems;
}

function operandProblem(operator: string, operand: JsonValue): string | null {
  if (!OPERATORS.has(operator))
    return `is not an operator; use one of ${[...OPERATORS].join(', ')}`;
  switch (operator) {
    case '$in':
    case '$nin':
      return Array.isArray(operand) ? null : 'must be a list';
    case '$exists':
      return typeof operand === 'boolean' ? null : 'must be true or false';
    case '$glob':
      return typeof operand === 'string' ||
        (Array.isArray(operand) &&
          operand.length > 0 &&
          operand.every((p) => typeof p === 'string'))
        ? null
        : 'must be a pattern or a list of patterns';
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return typeof operand === 'number' || typeof operand === 'string'
        ? null
        : 'must be a number or a string';
    default:
      return null;
  }
}
