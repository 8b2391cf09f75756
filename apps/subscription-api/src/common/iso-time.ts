import type { BodyReader } from './body-reader';
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

export const ISO_TIME_HINT = 'must be an ISO 8601 time with a zone, e.g. 2024-05-02T12:00:00Z';

/** An ISO 8601 time with its zone, or null when the text is not one (a time without a zone is ambiguous). */
export function parseIsoTime(text: string): Date | null {
  if (!ISO_TIME.test(text)) return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? null : time;
}

/** A time field of a body; null when absent or bad (the reader then names it). */
export function readTime(reader: BodyReader, field: string, required: boolean): Date | null {
  const known = reader.problems.length;
  const text = required
    ? reader.string(field, { required: true, max: 100 })
    : reader.string(field, { max: 100 });
  // An empty string is a bad time, not a missing one.
  if (text === undefined || reader.problems.length > known) return null;
  const time = parseIsoTime(text);
  if (!time) reader.problem(field, ISO_TIME_HINT);
  return time;
}
