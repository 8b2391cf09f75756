import { errorMessage } from '../api/client';

/** What went wrong, as Herald's `{error: {code, message, details}}` says it, or the form itself. */
export interface Problem {
  message: string;
  details: { field?: string; message?: string }[];
}

/** The problem an API answer that is not 2xx carries. */
export function apiProblem(error: unknown, response: Response): Problem {
  const body = error as { error?: { details?: Problem['details'] } } | undefined;
  return {
    message: errorMessage(error, response),
    details: Array.isArray(body?.error?.details) ? body.error.details : [],
  };
}

export const UNREACHABLE: Problem = { message: 'Herald could not be reached.', details: [] };

/** A problem, announced: its message, then each field's. */
export function ProblemAlert({ problem, id }: { problem: Problem | null; id?: string }) {
  if (!problem) return null;
  return (
    <div role="alert" class="error" id={id}>
      <p>{problem.message}</p>
      {problem.details.length > 0 && (
        <ul>
          {problem.details.map((detail, index) => (
            <li key={index}>
              {detail.field ? <code>{detail.field}</code> : null}
              {detail.field ? ' ' : ''}
              {detail.message ?? ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
