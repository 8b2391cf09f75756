import { ApiError, type ApiErrorDetail } from '../errors/api-error';
import type { Query } from './query-schema';

export type { Query };

/**
 * Reads query parameters one by one, collecting every problem with the parameter it names, so one
 * answer tells the caller everything that is wrong; an unknown parameter is refused rather than
 * silently ignored, since a misspelt filter would otherwise widen the result.
 */
export class QueryReader {
  readonly problems: ApiErrorDetail[] = [];

  constructor(private readonly query: Query) {}

  problem(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  string(field: string, max: number): string | undefined {
    const value = this.query[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return this.fail(field, 'must be given once');
    if (value === '') return this.fail(field, 'must not be empty');
    if (value.length > max) return this.fail(field, `must be at most ${max} characters`);
    return value;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.string(field, 100);
    if (value === undefined) return undefined;
    return (allowed as readonly string[]).includes(value)
      ? (value as T)
      : this.fail(field, `must be one of ${allowed.join(', ')}`);
  }

  onlyKnown(known: readonly string[]): void {
    for (const field of Object.keys(this.query)) {
      if (!known.includes(field)) this.problem(field, 'is not a known parameter');
    }
  }

  assertValid(): void {
    if (this.problems.length > 0) {
      throw new ApiError(
        'validation_failed',
        `request is invalid: ${this.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
        this.problems,
      );
    }
  }

  private fail(field: string, message: string): undefined {
    this.problem(field, message);
    return undefined;
  }
}
