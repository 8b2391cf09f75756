import type { Static, TSchema } from '@sinclair/typebox';
import { isJsonObject, schemaProblems } from '@herald/domain';
import type { ApiErrorDetail } from '../errors/api-error';

/** The request schemas word their problems with the translator the destination kinds use too. */
export { Nullable, PROBLEM } from '@herald/domain';

/**
 * A request body read against its schema. `value` has the schema's type only in the fields that
 * `fits`: rules the schema cannot state (a JSONata expression that compiles, a JSON Schema that
 * does) check those, adding to `problems`, so one answer still names everything wrong.
 */
export interface BodyCheck<T> {
  value: T;
  problems: ApiErrorDetail[];
  fits: (field: string) => boolean;
}

/**
 * The validator of a request body that `schema` describes, compiled once: every problem, one per
 * field (the first ajv reports), named as the API always has; unknown fields by name when the
 * schema says `additionalProperties: false`. The properties in `readElsewhere` are documented by the
 * schema but read by code of their own (a destination, by its kind), so the validator takes any
 * value there.
 */
export function bodyValidator<S extends TSchema>(
  schema: S,
  readElsewhere: readonly string[] = [],
): (body: unknown) => BodyCheck<Static<S>> {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  const checked: TSchema = {
    ...schema,
    properties: {
      ...properties,
      ...Object.fromEntries(readElsewhere.map((name) => [name, {} as TSchema])),
    },
  };
  const problemsOf = schemaProblems(readElsewhere.length > 0 ? checked : schema);
  return (body) => {
    // A body that is not an object is read as an empty one too, so its required fields are named.
    const problems = isJsonObject(body)
      ? problemsOf(body)
      : [{ field: 'body', message: 'must be a JSON object' }, ...problemsOf({})];
    const value = (isJsonObject(body) ? body : {}) as Static<S>;
    return {
      value,
      problems,
      fits: (field) =>
        !problems.some((problem) => problem.field === field || problem.field === 'body'),
    };
  };
}
