import type { JsonObject } from '../json';

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
 * The reader a kind validates its input with: the API's body reader, which names every bad field
 * and refuses unknown ones. Declared here so kinds stay free of the API's framework.
 */
export interface DestinationInput {
  readonly problems: readonly unknown[];
  has(field: string): boolean;
  problem(field: string, message: string): void;
  string(
    field: string,
    options: { required: true; max?: number; pattern?: RegExp; hint?: string },
  ): string;
  string(
    field: string,
    options: { required?: false; max?: number; pattern?: RegExp; hint?: string },
  ): string | undefined;
  stringList(
    field: string,
    options?: { required?: boolean; max?: number; each?: (item: string) => string | null },
  ): string[] | null | undefined;
  objectOrJsonText(field: string, hint: string): JsonObject | null | undefined;
  onlyKnown(known: readonly string[]): void;
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
  openApiSchema: Record<string, unknown>;
  /**
   * The extra HTTP headers a request to it carries, secret values masked, for previews; omitted
   * for kinds that do not send HTTP requests.
   */
  previewHeaders?(destination: D): Record<string, string>;
}

export const setting = <D extends DestinationShape>(
  name: string,
  field: KindSetting<D>['field'],
  type: DestinationSettingType,
  description: string,
  options: { required?: boolean; secret?: boolean } = {},
): KindSetting<D> => ({
  name,
  field,
  type,
  required: options.required ?? false,
  secret: options.secret ?? false,
  description,
});
