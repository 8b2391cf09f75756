import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import Ajv, { type ErrorObject } from 'ajv';

/** A value's problem, named by the field it is in (`destination.url`, `examples[0]`). */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The problem reported when a value does not fit its schema, where the default wording would say
 * less: one per keyword (`{pattern: '…'}`, also for the keywords of its items), or a string for any
 * mismatch but a size limit. An OpenAPI extension keyword, so the document may carry it.
 */
export const PROBLEM = 'x-problem';

/** A setting whose value is sealed at rest and masked in answers; an OpenAPI extension keyword. */
export const SECRET = 'x-secret';

/** A schema that also takes null (`type: [t, 'null']`, as the document has always written it). */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type as string, 'null'] });
}

/** Every schema's validator; every problem is collected, so one answer tells them all. */
const ajv = new Ajv({
  allErrors: true,
  verbose: true,
  allowUnionTypes: true,
  validateFormats: false,
});
ajv.addVocabulary(['example', PROBLEM, SECRET]);

type Node = TSchema & {
  properties?: Record<string, Node>;
  items?: Node;
  required?: string[];
  [PROBLEM]?: string | Partial<Record<string, string>>;
};

/** Limits keep their own wording even inside a schema that names its problem. */
const LIMITS = new Set(['maxLength', 'minLength', 'maxItems', 'minItems', 'minimum', 'maximum']);

const fieldName = (path: readonly string[]): string =>
  path.reduce(
    (name, step) => (/^\[\d+\]$/.test(step) ? `${name}${step}` : name ? `${name}.${step}` : step),
    '',
  );

const unescape = (step: string): string => step.replace(/~1/g, '/').replace(/~0/g, '~');

function typeWords(schema: Node): string {
  const types = ([] as unknown[]).concat(schema.type).filter((type) => type !== 'null');
  switch (types[0]) {
    case 'string':
      return 'must be a string';
    case 'object':
      return 'must be a JSON object';
    case 'array':
      return 'must be an array';
    case 'boolean':
      return 'must be true or false';
    case 'integer':
      return rangeWords(schema);
    default:
      return `must be ${types.join(' or ')}`;
  }
}

const rangeWords = (schema: Node): string =>
  typeof schema.minimum === 'number' && typeof schema.maximum === 'number'
    ? `must be an integer from ${schema.minimum} to ${schema.maximum}`
    : 'must be an integer';

/** `maxLength` 200: "must be at most 200 characters"; `minItems` 1: "must not be empty". */
function limitWords(keyword: string, limit: number): string {
  const unit = keyword.endsWith('Length') ? 'characters' : 'entries';
  if (keyword.startsWith('max')) {
    return `must ${unit === 'characters' ? 'be' : 'have'} at most ${limit} ${unit}`;
  }
  return limit === 1
    ? 'must not be empty'
    : `must ${unit === 'characters' ? 'be' : 'have'} at least ${limit} ${unit}`;
}

/** One ajv error as Herald's problem: the field as the API names it (`url`, `examples[0]`). */
function problemOf(root: Node, error: ErrorObject, unknownWords: string): FieldProblem {
  const instance = error.instancePath.split('/').slice(1).map(unescape);
  const steps = error.schemaPath.replace(/^#\/?/, '').split('/').map(unescape);
  const path: string[] = [];
  let schema = root;
  let required = false;
  let owner: FieldProblem | undefined;
  // Follow the schema path down to the failing keyword; the first schema that names its problem owns it.
  for (let i = 0; i < steps.length - 1; i++) {
    if (steps[i] === 'properties') {
      const name = steps[++i];
      required = schema.required?.includes(name) ?? false;
      schema = schema.properties![name];
      path.push(name);
    } else if (steps[i] === 'items') {
      schema = schema.items!;
      required = false;
      path.push(`[${instance[path.length]}]`);
    } else break;
    const named = schema[PROBLEM];
    const message =
      typeof named === 'string'
        ? LIMITS.has(error.keyword)
          ? undefined
          : named
        : named?.[error.keyword];
    owner ??= message === undefined ? undefined : { field: fieldName(path), message };
  }
  const missing = error.keyword === 'type' && error.data === null && required;
  if (owner) return owner;
  const field = fieldName(path) || 'body';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        field: fieldName([...path, String(params.missingProperty)]),
        message: 'is required',
      };
    case 'additionalProperties':
      return {
        field: fieldName([...path, String(params.additionalProperty)]),
        message: unknownWords,
      };
    case 'type':
      return { field, message: missing ? 'is required' : typeWords(schema) };
    case 'maxLength':
    case 'minLength':
    case 'maxItems':
    case 'minItems':
      return { field, message: limitWords(error.keyword, Number(params.limit)) };
    case 'minimum':
    case 'maximum':
      return { field, message: rangeWords(schema) };
    case 'enum':
      return {
        field,
        message: `must be one of ${(params.allowedValues as unknown[])
          .filter((v) => v !== null)
          .map(String)
          .join(', ')}`,
      };
    case 'pattern':
      return { field, message: `must match ${String(params.pattern)}` };
    default:
      return { field, message: error.message ?? 'is invalid' };
  }
}

/**
 * The checker of values that `schema` describes, compiled once: every problem, one per field (the
 * first ajv reports), named as the API always has (`url`, `to[0]`, `headers.X-Foo`); unknown fields
 * by name when the schema says `additionalProperties: false`; nothing inside a field that is itself
 * wrong (`unknownWords` says what an unknown one is: a field, a query parameter). The API's request
 * bodies and queries and the destination kinds share it, so they word problems alike.
 */
export function schemaProblems(
  schema: TSchema,
  unknownWords = 'is not a known field',
): (value: unknown) => FieldProblem[] {
  const validate = ajv.compile(schema);
  return (value) => {
    const problems: FieldProblem[] = [];
    for (const error of validate(value) ? [] : (validate.errors ?? [])) {
      const problem = problemOf(schema, error, unknownWords);
      if (!problems.some((known) => known.field === problem.field)) problems.push(problem);
    }
    return problems.filter(
      (problem) =>
        !problems.some(
          (outer) =>
            problem.field.startsWith(`${outer.field}[`) ||
            problem.field.startsWith(`${outer.field}.`),
        ),
    );
  };
}
