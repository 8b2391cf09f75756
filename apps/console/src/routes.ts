/**
 * The console's address: `#/<page>[/<part>…]`, e.g. `#/subscriptions/sub_…/edit`. The page is
 * one of the shell's pages; the parts after it are the page's own (an id, `new`, `edit`).
 */
export interface Route {
  page: string;
  parts: string[];
}

export function parseRoute(hash: string): Route {
  const [page = '', ...parts] = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((part) => part !== '')
    .map((part) => decodeURIComponent(part));
  return { page, parts };
}

/** The fragment that opens a page, with its parts escaped. */
export function href(page: string, ...parts: string[]): string {
  return `#/${[page, ...parts].map((part) => encodeURIComponent(part)).join('/')}`;
}

/** Opens a page, as following a link to it would. */
export function go(page: string, ...parts: string[]): void {
  window.location.hash = href(page, ...parts);
}
