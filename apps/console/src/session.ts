// The tenant's API key lives in sessionStorage only: it goes with the tab, never into the URL,
// history or localStorage shared across tabs. A browser that denies storage to a framed console
// (third-party storage blocked) keeps it in memory for the page's life instead.
const KEY = 'herald.console.apiKey';
let inMemory: string | null = null;

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function storedApiKey(): string | null {
  return storage()?.getItem(KEY) ?? inMemory;
}

export function storeApiKey(apiKey: string): void {
  const store = storage();
  if (store) store.setItem(KEY, apiKey);
  else inMemory = apiKey;
}

export function forgetApiKey(): void {
  storage()?.removeItem(KEY);
  inMemory = null;
}
