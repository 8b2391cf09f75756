import createClient, { type Client } from 'openapi-fetch';
import type { View } from '../session';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ApiClient = Client<paths>;

/** A typed client of the admin API on the console's own origin, as the given tenant. */
export function apiClient(apiKey: string, onUnauthorized: () => void): ApiClient {
  const client = createClient<paths>({ baseUrl: window.location.origin });
  client.use({
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${apiKey}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized();
      return response;
    },
  });
  return client;
}

/** The message of Herald's `{error: {code, message}}` body, or the status when there is none. */
export function errorMessage(error: unknown, response: Response): string {
  const body = error as { error?: { code?: string; message?: string } } | undefined;
  return body?.error?.message ?? `HTTP ${response.status}`;
}

/** What each refusal of a console link's exchange tells the person who opened it. */
const LINK_REFUSED: Record<string, string> = {
  link_used: 'This console link has been used already. Ask for a new one.',
  link_expired: 'This console link has expired. Ask for a new one.',
  link_revoked: 'This console link was revoked.',
  unauthorized: 'This console link is not valid.',
};

/** Exchanges a console link's one-time token for its session: the key, and what it shows. */
export async function exchangeLink(
  token: string,
): Promise<{ key: string; view: View } | { refused: string }> {
  try {
    const client = createClient<paths>({ baseUrl: window.location.origin });
    const { data, error, response } = await client.POST('/v1/console-sessions/exchange', {
      body: { token },
    });
    if (data) {
      return {
        key: data.session_key,
        view: {
          readOnly: data.read_only,
          pages: data.pages,
          sessionId: data.id,
          theme: data.theme,
        },
      };
    }
    const code = (error as { error?: { code?: string } } | undefined)?.error?.code ?? '';
    return { refused: LINK_REFUSED[code] ?? errorMessage(error, response) };
  } catch {
    return { refused: 'Herald could not be reached.' };
  }
}
