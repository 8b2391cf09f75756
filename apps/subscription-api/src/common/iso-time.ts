import { Type } from '@sinclair/typebox';
import type { BodyCheck } from './request-schema';
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

export const ISO_TIME_HINT = 'must be an ISO 8601 time with a zone, e.g. 2024-05-02T12:00:00Z';

/** An ISO 8601 time with its zone, or null when the text is not one (a time without a zone is ambiguous). */
export function parseIsoTime(text: string): Date | null {
  if (!ISO_TIME.test(text)) return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? null : time;
}

/**
 * A time field of a body its schema has checked as a string (at most 100 characters, as
 * `timeField` says): the time, or null when absent or bad (then named among the problems).
 */
export function checkTime(
  { value, problems, fits }: BodyCheck<Record<string, unknown>>,
  field: string,
): Date | null {
  const text = value[field];
  if (typeof text !== 'string' || !fits(field)) return null;
  const time = parseIsoTime(text);
  if (!time) problems.push({ field, message: ISO_TIME_HINT });
  return time;
}

/**
 * `since` (inclusive) and `until` (exclusive) of a checked body or query, each an ISO 8601 time,
 * and not the wrong way round; a bound absent or bad is undefined (and a bad one named).
 */
export function checkTimeRange(check: BodyCheck<Record<string, unknown>>): {
  since: Date | undefined;
  until: Date | undefined;
} {
  const since = checkTime(check, 'since') ?? undefined;
  const until = checkTime(check, 'until') ?? undefined;
  if (since && until && until.getTime() <= since.getTime()) {
    check.problems.push({ field: 'until', message: 'must be later than since' });
  }
  return { since, until };
}

/** A time as a body carries it; that it is one (with a zone) is `checkTime`'s. */
export const timeField = (description: string) =>
  Type.String({ format: 'date-time', maxLength: 100, description });
