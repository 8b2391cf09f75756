// The tenant's API key lives in sessionStorage only: it goes with the tab, never into the URL,
// history or localStorage shared across tabs.
const KEY = 'herald.console.apiKey';

export function storedApiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeApiKey(apiKey: string): void {
  sessionStorage.setItem(KEY, apiKey);
}

export function forgetApiKey(): void {
  sessionStorage.removeItem(KEY);
}
