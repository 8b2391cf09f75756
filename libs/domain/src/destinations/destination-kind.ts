import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { JsonObject } from '../json';
import { SECRET, schemaProblems, type FieldProblem } from '../schema-problems';

/**
 * How a setting is entered: `string` and `url` are single values, `string_list` a list of values,
 * `string_map` name → value pairs (such as HTTP headers).
 */
export type DestinationSettingType = 'string' | 'url' | 'string_list' | 'string_map';

/** One setting of a destination type, enough for a UI to draw its form field (SolarNetwork's setting specifier). */
export interface DestinationSetting {
  name: string;
  type: DestinationSettingType;
  required: boolean;
  /** Stored encrypted and masked in every response (for a `string_map`, its values). */
  secret: boolean;
  description: string;
}

/** A kind of destination (hook service) a subscription can deliver to, with its settings. */
export interface DestinationTypeDescriptor {
  type: string;
  name: string;
  description: string;
  settings: DestinationSetting[];
}

/** What every destination is: its kind's name in `type`, its settings beside it. */
export interface DestinationShape {
  type: string;
}

/** A setting as a kind declares it: `field` is where the value sits on the domain destination. */
export interface KindSetting<D extends DestinationShape> extends DestinationSetting {
  field: Exclude<keyof D, 'type'> & string;
}

/** What a secret value shows as in every answer; sending it back on update keeps the stored value. */
export const SECRET_MASK = '********';

/**
 * Where a kind reads its input: the destination object of the API's body reader, which names each
 * problem with the destination's prefix (`destination.url`). Declared here so kinds stay free of the
 * API's framework.
 */
export interface DestinationInput {
  /** The destination object as given. */
  readonly body: JsonObject;
  /** The field's name in the request (`url` → `destination.url`). */
  name(field: string): string;
  problem(field: string, message: string): void;
}

/**
 * One kind of destination: everything Herald knows about it but how it is sent (the deliverer
 * holds the senders, which need I/O libraries). The API reads and presents it, persistence seals
 * the settings marked secret, the deliverer sends to it; all of them find it in DESTINATION_KINDS.
 */
export interface DestinationKind<D extends DestinationShape> {
  type: D['type'];
  name: string;
  description: string;
  /** In the order they are shown (and presented in views). */
  settings: readonly KindSetting<D>[];
  /** Reads `{type, ...settings}` from a request body, naming every problem on `input`. */
  read(input: DestinationInput): D;
  /** The OpenAPI 3.1 schema of the destination as a request body and a view. */
  schema: Record<string, unknown>;
  /**
   * The extra HTTP headers a request to it carries, secret values masked, for previews; omitted
   * for kinds that do not send HTTP requests.
   */
  previewHeaders?(destination: D): Record<string, string>;
}

/**
 * What a kind's own code may say of a value its schema has checked: `fits` tells whether a field
 * passed the schema (so its value has the schema's type), `problem` adds what the schema cannot state.
 */
export interface SchemaCheck {
  fits(field: string): boolean;
  name(field: string): string;
  problem(field: string, message: string): void;
}

/** How a setting is entered, told by its schema: a list, a name → value map, a URL, or a string. */
function settingTypeOf(schema: TSchema): DestinationSettingType {
  const types = ([] as unknown[]).concat(
    schema.type,
    ((schema.oneOf ?? []) as TSchema[]).map((option): unknown => option.type),
  );
  if (types.includes('array')) return 'string_list';
  if (types.includes('object')) return 'string_map';
  return schema.format === 'uri' ? 'url' : 'string';
}

const fieldOf = (name: string): string =>
  name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/** A kind's settings, as its schema states them: every property but `type`, in the schema's order. */
function settingsOf<D extends DestinationShape>(schema: TObject): KindSetting<D>[] {
  return Object.entries(schema.properties)
    .filter(([name]) => name !== 'type')
    .map(([name, property]) => ({
      name,
      field: fieldOf(name) as KindSetting<D>['field'],
      type: settingTypeOf(property),
      required: schema.required?.includes(name) ?? false,
      secret: (property as Record<string, unknown>)[SECRET] === true,
      description: String(property.description ?? ''),
    }));
}

/**
 * A kind described by one schema: its OpenAPI component, the shape of its input, the first check of
 * that input (ajv, through the translator the API's bodies use) and its settings. `read` holds only
 * the rules the schema cannot state and builds the destination from a value; problems are given in
 * the order of the schema's properties (a list's entries by index), unknown fields last, as a reader
 * going field by field would find them.
 */
export function schemaKind<S extends TObject, D extends DestinationShape>(definition: {
  type: D['type'];
  name: string;
  description: string;
  schema: S;
  /**
   * How fields go together, which the kind's code checks (so its messages are its own), laid over
   * the schema in the document only.
   */
  documented?: Record<string, unknown>;
  /** Properties the schema documents but the kind's code checks whole (headers given as JSON text). */
  checkedByCode?: readonly string[];
  read: (value: Static<S>, check: SchemaCheck) => D;
  previewHeaders?: (destination: D) => Record<string, string>;
}): DestinationKind<D> {
  const { schema, documented, checkedByCode = [], read, ...rest } = definition;
  // `type` is the registry's to check: it chose this kind by it. Compiled on the first read, so
  // the services that only send to destinations do not pay for it.
  let problemsOf: ((value: unknown) => FieldProblem[]) | undefined;
  const checked = (): ((value: unknown) => FieldProblem[]) =>
    (problemsOf ??= schemaProblems({
      ...schema,
      required: schema.required?.filter((name) => name !== 'type'),
      properties: {
        ...schema.properties,
        ...Object.fromEntries(['type', ...checkedByCode].map((name) => [name, {}])),
      },
    }));
  const order = Object.keys(schema.properties);
  const rank = (problem: FieldProblem): [number, number] => {
    const [, name, index] = /^([^.[]*)(?:\[(\d+)\])?/.exec(problem.field) ?? [];
    const position = order.indexOf(name);
    return [position === -1 ? order.length : position, Number(index ?? -1)];
  };
  return {
    ...rest,
    settings: settingsOf<D>(schema),
    schema: { ...schema, ...documented },
    read(input: DestinationInput): D {
      const problems = checked()(input.body);
      const outside = problems.map((problem) => problem.field);
      const destination = read(input.body, {
        fits: (field) =>
          !outside.some(
            (wrong) =>
              field === wrong || field.startsWith(`${wrong}.`) || field.startsWith(`${wrong}[`),
          ),
        name: (field) => input.name(field),
        problem: (field, message) => problems.push({ field, message }),
      });
      const ranked = problems.map((problem, at) => ({ problem, at, rank: rank(problem) }));
      ranked.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.at - b.at);
      for (const { problem } of ranked) input.problem(problem.field, problem.message);
      return destination;
    },
  };
}
