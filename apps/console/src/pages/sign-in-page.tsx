import { useState } from 'preact/hooks';
import { apiClient, errorMessage } from '../api/client';

/**
 * A tenant signs in with one of its API keys, checked against the API before it is kept; `notice`
 * says why a console link did not open.
 */
export function SignInPage({
  onSignIn,
  notice = null,
}: {
  onSignIn: (apiKey: string) => void;
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
      const { error: body, response } = await apiClient(key, () => undefined).GET(
        '/v1/subscriptions',
        { params: { query: { limit: 1 } } },
      );
      if (response.ok) onSignIn(key);
      else
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
        <label for="api-key">API key</label>
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
