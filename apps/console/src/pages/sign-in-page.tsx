import { useState } from 'preact/hooks';
import { apiClient, errorMessage } from '../api/client';
import type { View } from '../session';

const TENANT: View = { readOnly: false, pages: null, sessionId: null };
const OPERATOR: View = { ...TENANT, operator: true };

/**
 * A tenant signs in with one of its API keys, the operator with the admin token, each checked
 * against the API before it is kept: a tenant's route first; the operator's token is refused there
 * (403, not a tenant) and admitted to the tenants list. `notice` says why a console link did not
 * open.
 */
export function SignInPage({
  onSignIn,
  notice = null,
}: {
  onSignIn: (apiKey: string, view: View) => void;
  notice?: string | null;
}) {
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | null>(notice);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const key = apiKey.trim();
    if (!key) return;
    setBusy(true);
    setError(null);
    try {
      const client = apiClient(key, () => undefined);
      const { error: body, response } = await client.GET('/v1/subscriptions', {
        params: { query: { limit: 1 } },
      });
      if (response.ok) {
        onSignIn(key, TENANT);
        return;
      }
      if (response.status === 403) {
        const operator = await client.GET('/v1/tenants', { params: { query: { limit: 1 } } });
        if (operator.response.ok) {
          onSignIn(key, OPERATOR);
          return;
        }
      }
      setError(
        response.status === 401 ? 'That API key is not valid.' : errorMessage(body, response),
      );
    } catch {
      setError('Herald could not be reached.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Herald console</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label for="api-key">API key (or the operator’s token)</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={apiKey}
          onInput={(event) => setApiKey(event.currentTarget.value)}
          aria-describedby={error ? 'sign-in-error' : undefined}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p id="sign-in-error" role="alert" class="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
