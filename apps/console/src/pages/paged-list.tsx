import { useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import { UNREACHABLE } from './activity-common';

/** A list page's state: fetching a page, showing what it has, or why the last page failed. */
export type ListState = 'loading' | 'idle' | { error: string };

/** One page of a collection as the API client answers it (a CSV export answers text). */
export interface PageAnswer<T> {
  data?: { data: T[]; next_cursor?: string | null } | string;
  error?: unknown;
  response: Response;
}

export interface PagedList<T> {
  items: T[];
  /** The next page's cursor, null on the last page. */
  cursor: string | null;
  state: ListState;
  /** Shows the first page again (null), or appends the page after `cursor`. */
  show: (after: string | null) => void;
}

/**
 * A collection read a page at a time with "load more": `fetchPage` asks the API for the page after
 * a cursor (with the page's current filter), `onFirstPage` runs when a fresh first page replaces
 * what was shown. The caller decides when to show the first page (its effect's dependencies).
 */
export function usePagedList<T>(
  fetchPage: (after: string | null) => Promise<PageAnswer<T>>,
  onFirstPage?: () => void,
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<ListState>('loading');

  const load = async (after: string | null) => {
    setState('loading');
    const { data, error, response } = await fetchPage(after);
    if (!data || typeof data === 'string') {
      setState({ error: errorMessage(error, response) });
      return;
    }
    setItems((shown) => (after ? [...shown, ...data.data] : data.data));
    if (!after) onFirstPage?.();
    setCursor(data.next_cursor ?? null);
    setState('idle');
  };
  const show = (after: string | null) => {
    load(after).catch(() => setState({ error: UNREACHABLE }));
  };
  return { items, cursor, state, show };
}

/** Why the last page failed, as an alert; nothing otherwise. */
export function ListProblem({ state }: { state: ListState }) {
  return typeof state === 'object' ? (
    <p role="alert" class="error">
      {state.error}
    </p>
  ) : null;
}

/** "Loading…" while a page is fetched, then the button for the next page if there is one. */
export function ListMore({
  list,
  label = 'Load more',
}: {
  list: Pick<PagedList<unknown>, 'cursor' | 'state' | 'show'>;
  label?: string;
}) {
  const { cursor, state, show } = list;
  return (
    <>
      {state === 'loading' && <p aria-live="polite">Loading…</p>}
      {cursor && state !== 'loading' && (
        <button type="button" onClick={() => show(cursor)}>
          {label}
        </button>
      )}
    </>
  );
}
