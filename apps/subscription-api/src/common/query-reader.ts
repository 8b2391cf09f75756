import type { DeliveryStatus } from '@herald/domain';
import type { PageRequest } from '@herald/persistence';
import { pageRequest } from './pagination';
import { ApiError, type ApiErrorDetail } from '../errors/api-error';
import { ISO_TIME_HINT, parseIsoTime } from './iso-time';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'pending',
  'succeeded',
  'retrying',
  'failed',
  'dead',
];

export type Query = Record<string, unknown>;

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

  time(field: string): Date | undefined {
    const value = this.string(field, 100);
    if (value === undefined) return undefined;
    return parseIsoTime(value) ?? this.fail(field, ISO_TIME_HINT);
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.string(field, 100);
    if (value === undefined) return undefined;
    return (allowed as readonly string[]).includes(value)
      ? (value as T)
      : this.fail(field, `must be one of ${allowed.join(', ')}`);
  }

  /** One status or several separated by commas. */
  statuses(field: string): DeliveryStatus[] | undefined {
    const value = this.string(field, 200);
    if (value === undefined) return undefined;
    const statuses = value.split(',').map((status) => status.trim());
    return statuses.every((status) => (DELIVERY_STATUSES as readonly string[]).includes(status))
      ? [...new Set(statuses as DeliveryStatus[])]
      : this.fail(field, `must be one or more of ${DELIVERY_STATUSES.join(', ')}, comma-separated`);
  }

  boolean(field: string): boolean | undefined {
    const value = this.string(field, 10);
    if (value === undefined) return undefined;
    if (value === 'true') return true;
    if (value === 'false') return false;
    return this.fail(field, 'must be true or false');
  }

  /** `since` inclusive, `until` exclusive, and not the wrong way round. */
  timeRange(): { since?: Date; until?: Date } {
    const since = this.time('since');
    const until = this.time('until');
    if (since && until && until.getTime() <= since.getTime()) {
      this.problem('until', 'must be later than since');
    }
    return { since, until };
  }

  /** `cursor`, and `limit` from 1 to `maxLimit` (default `defaultLimit`). */
  page(defaultLimit = 20, maxLimit = 100): PageRequest {
    const raw = this.query.limit;
    let limit = defaultLimit;
    if (raw !== undefined) {
      const parsed = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (Number.isInteger(parsed) && parsed >= 1 && parsed <= maxLimit) limit = parsed;
      else this.problem('limit', `must be an integer from 1 to ${maxLimit}`);
    }
    const cursor = this.string('cursor', 200);
    try {
      return { after: pageRequest({ cursor }).after, limit };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.problems.push(...error.details);
      return { after: null, limit };
    }
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
