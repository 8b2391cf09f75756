import {
  Type,
  type Static,
  type StringOptions,
  type TObject,
  type TSchema,
} from '@sinclair/typebox';
import type { PageRequest } from '@herald/persistence';
import type { ApiErrorDetail } from '../errors/api-error';
import { assertNoProblems } from './body-reader';
import type { Schema } from './openapi-builder';
import { decodeCursor, NOT_A_CURSOR } from './pagination';
import { PROBLEM, schemaProblems } from '@herald/domain';
import type { BodyCheck } from './request-schema';

/** A query string as Express parses it: a repeated parameter is a list. */
export type Query = Record<string, unknown>;

/** A query parameter's text, not empty; `problem` words a keyword's mismatch (`{pattern: '…'}`). */
export const queryText = (
  options: StringOptions & { example?: string; problem?: Record<string, string> } = {},
) => {
  const { problem, ...rest } = options;
  return Type.Optional(
    Type.String({ minLength: 1, ...rest, ...(problem ? { [PROBLEM]: problem } : {}) }),
  );
};

/** One of a few words (`json`, `csv`). */
export const queryWord = <T extends string>(
  words: readonly T[],
  options: { default?: T; description: string },
) => Type.Optional(Type.Unsafe<T>({ type: 'string', enum: words, minLength: 1, ...options }));

/** A time range's bound: that it is an ISO 8601 time is `checkTimeRange`'s. */
export const queryTime = (description: string) =>
  queryText({ format: 'date-time', maxLength: 100, description });

/**
 * `cursor`: what the API returned as `next_cursor`; one it did not return is refused with 422 (a
 * rule the document can state but not check: `checkCursor`'s).
 */
export const queryCursor = queryText({
  maxLength: 200,
  pattern: '^[A-Za-z0-9_-]+$',
  problem: { pattern: NOT_A_CURSOR },
  description: 'The `next_cursor` of the previous page; any other value is refused with 422.',
});

/** `limit`: a page size from 1 to `max`. */
export const queryLimit = (max: number, description: string) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: max, description }));

/** A yes/no parameter, `true` or `false`, false when left out. */
export const queryFlag = (description: string) =>
  Type.Optional(Type.Boolean({ default: false, description }));

/** A list's page: `limit` (1 to 100, default 20) and `cursor`. */
export const pageQuery = {
  limit: queryLimit(100, 'Page size, 1 to 100 (default 20).'),
  cursor: queryCursor,
};

/** A parameter's text as its schema's type: digits as an integer, `true`/`false` as a boolean. */
function typed(schema: TSchema, text: string): unknown {
  if (schema.type === 'integer' && /^\d+$/.test(text)) return Number(text);
  if (schema.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/**
 * The validator of a query string that `schema` describes, compiled once: every problem, one per
 * parameter, unknown parameters by name, and a known one given twice (a list) or empty as such.
 */
export function queryValidator<S extends TObject>(
  schema: S,
): (query: Query) => BodyCheck<Static<S>> {
  const problemsOf = schemaProblems(schema, 'is not a known parameter');
  return (query) => {
    const value: Query = {};
    const problems: ApiErrorDetail[] = [];
    for (const [name, given] of Object.entries(query)) {
      const property: TSchema | undefined = Object.hasOwn(schema.properties, name)
        ? schema.properties[name]
        : undefined;
      if (!property) value[name] = given;
      else if (typeof given !== 'string')
        problems.push({ field: name, message: 'must be given once' });
      // Said before anything else of it (ajv would say an enum's words first).
      else if (given === '' && property.minLength)
        problems.push({ field: name, message: 'must not be empty' });
      else value[name] = typed(property, given);
    }
    problems.push(...problemsOf(value));
    return {
      value,
      problems,
      fits: (field) => !problems.some((problem) => problem.field === field),
    };
  };
}

/** The document's parameters of a query that `schema` describes, in the order of its properties. */
export function queryParameters(schema: TObject): Schema[] {
  return Object.entries(schema.properties).map(([name, property]) => {
    const { description, ...parameterSchema } = property as Schema;
    return {
      name,
      in: 'query',
      required: schema.required?.includes(name) ?? false,
      description,
      schema: parameterSchema,
    };
  });
}

/** The page a checked `cursor` continues after; one the API did not return is named a problem. */
export function checkCursor(
  { value, problems, fits }: BodyCheck<{ cursor?: string }>,
  isCursor?: (after: string) => boolean,
): string | null {
  if (value.cursor === undefined || !fits('cursor')) return null;
  const after = decodeCursor(value.cursor, isCursor);
  if (after === null) problems.push({ field: 'cursor', message: NOT_A_CURSOR });
  return after;
}

/** The query of a list that has nothing to filter by: its page alone (tenants, API keys, subscriptions). */
export const PageQuery = Type.Object(pageQuery, { additionalProperties: false });

const readPage = queryValidator(PageQuery);

/** `limit` (default 20) and `cursor` of a `PageQuery` list, every bad or unknown parameter named. */
export function readPageQuery(query: Query): PageRequest {
  const checked = readPage(query);
  const after = checkCursor(checked);
  assertNoProblems(checked.problems);
  return { after, limit: checked.value.limit ?? 20 };
}
