import { isJsonObject, type JsonObject } from '@herald/domain';
import { ApiError, type ApiErrorDetail } from '../errors/api-error';

/**
 * Reads a JSON request body field by field, collecting every problem with the field it names, so
 * one response tells the caller everything that is wrong.
 */
export class BodyReader {
  readonly problems: ApiErrorDetail[] = [];
  readonly body: JsonObject;

  constructor(
    body: unknown,
    private readonly prefix = '',
  ) {
    if (isJsonObject(body)) {
      this.body = body;
    } else {
      this.body = {};
      this.problems.push({ field: prefix || 'body', message: 'must be a JSON object' });
    }
  }

  name(field: string): string {
    return this.prefix ? `${this.prefix}.${field}` : field;
  }

  has(field: string): boolean {
    return this.body[field] !== undefined;
  }

  problem(field: string, message: string): void {
    this.problems.push({ field: this.name(field), message });
  }

  string(
    field: string,
    options: { required: true; max?: number; pattern?: RegExp; hint?: string },
  ): string;
  string(
    field: string,
    options: { required?: false; max?: number; pattern?: RegExp; hint?: string },
  ): string | undefined;
  string(
    field: string,
    options: { required?: boolean; max?: number; pattern?: RegExp; hint?: string },
  ): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (options.required) this.problem(field, 'is required');
      return options.required ? '' : undefined;
    }
    if (typeof value !== 'string')
      return this.fail(field, 'must be a string', options.required ? '' : undefined);
    if (options.max !== undefined && value.length > options.max) {
      return this.fail(field, `must be at most ${options.max} characters`, value);
    }
    if (options.pattern && !options.pattern.test(value)) {
      return this.fail(field, options.hint ?? `must match ${String(options.pattern)}`, value);
    }
    return value;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.body[field];
    if (value === undefined) return undefined;
    return typeof value === 'string' && (allowed as readonly string[]).includes(value)
      ? (value as T)
      : this.fail(field, `must be one of ${allowed.join(', ')}`, undefined);
  }

  /** An array of strings; `null` is kept as null (meaning "use the defaults"). */
  stringList(
    field: string,
    options: { required?: boolean; max?: number; each?: (item: string) => string | null } = {},
  ): string[] | null | undefined {
    const value = this.body[field];
    if (value === undefined) {
      if (options.required) this.problem(field, 'is required');
      return undefined;
    }
    if (value === null && !options.required) return null;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      return this.fail(field, 'must be an array of strings', undefined);
    }
    const items = value;
    if (options.required && items.length === 0)
      return this.fail(field, 'must not be empty', undefined);
    if (options.max !== undefined && items.length > options.max) {
      return this.fail(field, `must have at most ${options.max} entries`, undefined);
    }
    items.forEach((item, index) => {
      const problem = options.each?.(item);
      if (problem) this.problem(`${field}[${index}]`, problem);
    });
    return items;
  }

  /** Unknown fields are refused, so a misspelt option is not silently ignored. */
  onlyKnown(known: readonly string[]): void {
    for (const field of Object.keys(this.body)) {
      if (!known.includes(field)) this.problem(field, 'is not a known field');
    }
  }

  private fail<T>(field: string, message: string, result: T): T {
    this.problem(field, message);
    return result;
  }
}

/** Throws one validation error holding the problems of every reader given. */
export function assertValid(...readers: (BodyReader | undefined)[]): void {
  assertNoProblems(readers.flatMap((reader) => reader?.problems ?? []));
}

/** Throws one validation error holding the problems given, if there are any. */
export function assertNoProblems(problems: readonly ApiErrorDetail[]): void {
  if (problems.length > 0) {
    throw new ApiError(
      'validation_failed',
      `request is invalid: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      [...problems],
    );
  }
}
