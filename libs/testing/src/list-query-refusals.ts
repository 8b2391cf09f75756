/** A query a list refuses: `[case, query, field, message]`. */
type QueryRefusal = [string, string, string, string];

/** A 422 `validation_failed` naming one problem, as `refusalOf` shows it. */
interface Refused {
  status: number;
  code: string;
  details: { field: string; message: string }[];
}

/**
 * What every list of the API refuses in its query, each by name with 422 `validation_failed`, and
 * the list's own refusals after them: `[case, query, answer]` for `it.each`, the answer as
 * `refusalOf` shows it. `unknownParameter` is one the list does not know.
 */
export const listQueryRefusals = (
  unknownParameter: string,
  ...own: QueryRefusal[]
): [string, string, Refused][] =>
  [
    ['an unknown parameter', `${unknownParameter}=x`, unknownParameter, 'is not a known parameter'],
    ['a limit with a space', 'limit=%205', 'limit', 'must be an integer from 1 to 100'],
    ['a limit in exponent form', 'limit=1e1', 'limit', 'must be an integer from 1 to 100'],
    ['a limit given twice', 'limit=1&limit=2', 'limit', 'must be given once'],
    ...own,
  ].map(([name, query, field, message]) => [
    name,
    query,
    { status: 422, code: 'validation_failed', details: [{ field, message }] },
  ]);

/** An answer as its refusal: status, error code and details, to compare whole. */
export const refusalOf = ({ status, body }: { status: number; body: unknown }) => {
  const error = (body as { error?: { code?: string; details?: unknown } } | null)?.error;
  return { status, code: error?.code, details: error?.details };
};
