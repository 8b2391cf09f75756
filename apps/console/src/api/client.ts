import createClient, { type Client } from 'openapi-fetch';
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
