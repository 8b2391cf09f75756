// The credential — a tenant's API key, or a console session's key from a console link — lives in
// sessionStorage only: it goes with the tab, never into the URL, history or localStorage shared
// across tabs. A browser that denies storage to a framed console (third-party storage blocked)
// keeps it in memory for the page's life instead. What a console link's session shows (read-only,
// which pages) is kept beside it.
const KEY = 'herald.console.apiKey';
const VIEW = 'herald.console.view';

/** What a console link's session shows; an API key shows everything. */
export interface View {
  readOnly: boolean;
  /** The pages shown; null: all. */
  pages: string[] | null;
  /** The console session's id, which signing out revokes; null for an API key. */
  sessionId: string | null;
  /** Signed in with the operator's token: the operator's pages instead of a tenant's. */
  operator?: boolean;
  /** A console link's theme; null or absent: the console's own look. */
  theme?: Theme | null;
}

/** How a console link asked the console to look. */
export interface Theme {
  accent: string | null;
  logo_url: string | null;
  mode: 'auto' | 'light' | 'dark';
}

const FULL: View = { readOnly: false, pages: null, sessionId: null };
let inMemory: { key: string; view: View } | null = null;

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function storedApiKey(): string | null {
  return storage()?.getItem(KEY) ?? inMemory?.key ?? null;
}

export function storedView(): View {
  const stored = storage()?.getItem(VIEW);
  return stored ? (JSON.parse(stored) as View) : (inMemory?.view ?? FULL);
}

export function storeApiKey(apiKey: string, view: View = FULL): void {
  const store = storage();
  if (store) {
    store.setItem(KEY, apiKey);
    store.setItem(VIEW, JSON.stringify(view));
  } else inMemory = { key: apiKey, view };
}

export function forgetApiKey(): void {
  storage()?.removeItem(KEY);
  storage()?.removeItem(VIEW);
  inMemory = null;
}

/**
 * A console link's one-time token, from the page's fragment (`#token=hcl_…`; a fragment never
 * reaches a server's logs), taken out of the address bar and the history at once.
 */
export function takeLinkToken(): string | null {
  const match = /^#token=([^&]+)/.exec(window.location.hash);
  if (!match) return null;
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
  return decodeURIComponent(match[1]);
}
