import type { ApiClient } from '../api/client';

/** What the shell hands every page. */
export interface PageProps {
  client: ApiClient;
  /** The parts of the address after the page's name: an id, `new`, `edit`, … */
  parts: string[];
  /** A read-only console session: the page offers no action that changes anything. */
  readOnly: boolean;
}
