import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type ApiClient, type Schemas } from '../api/client';
import { ListMore, ListProblem, usePagedList } from './paged-list';
import { ConfirmButton, ShownOnce, when } from './operator-confirm';

type ApiKey = Schemas['ApiKey'];

function keyStatus(key: ApiKey, now: number): string {
  if (key.revoked_at) return 'revoked';
  if (key.expires_at && Date.parse(key.expires_at) <= now) return 'expired';
  if (key.expires_at) return 'expiring (rotated)';
  return 'active';
}

/** A tenant's API keys for the operator: list, create (the key shown once) and revoke. */
export function TenantApiKeys({ client, tenantId }: { client: ApiClient; tenantId: string }) {
  const [name, setName] = useState('');
  const [created, setCreated] = useState<Schemas['NewApiKey'] | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const list = usePagedList<ApiKey>((after) =>
    client.GET('/v1/tenants/{id}/api-keys', {
      params: {
        path: { id: tenantId },
        query: { limit: 50, ...(after ? { cursor: after } : {}) },
      },
    }),
  );
  const { items: keys, state, show } = list;
  useEffect(() => show(null), [client, tenantId]);

  const create = async (event: Event) => {
    event.preventDefault();
    setActionError(null);
    try {
      const { data, error, response } = await client.POST('/v1/tenants/{id}/api-keys', {
        params: { path: { id: tenantId } },
        body: { name: name.trim() || null },
      });
      if (!data) {
        setActionError(errorMessage(error, response));
        return;
      }
      setCreated(data);
      setName('');
      show(null);
    } catch {
      setActionError('Herald could not be reached.');
    }
  };

  const revoke = async (key: ApiKey) => {
    setActionError(null);
    try {
      const { error, response } = await client.DELETE('/v1/tenants/{id}/api-keys/{key_id}', {
        params: { path: { id: tenantId, key_id: key.id } },
      });
      if (!response.ok) setActionError(errorMessage(error, response));
      else show(null);
    } catch {
      setActionError('Herald could not be reached.');
    }
  };

  const now = Date.now();
  return (
    <section aria-labelledby="api-keys-title">
      <h2 id="api-keys-title">API keys</h2>
      <form class="inline-form" onSubmit={(event) => void create(event)}>
        <label for="api-key-name">New key’s name</label>
        <input
          id="api-key-name"
          name="api-key-name"
          maxLength={200}
          placeholder="e.g. billing service"
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <button type="submit">Create API key</button>
      </form>
      {created && (
        <ShownOnce
          id="new-api-key"
          label={`API key “${created.name}” (shown once)`}
          value={created.key}
          note="Copy it now: Herald keeps only a hash of it and cannot show it again. It works at once, as this tenant."
          onDone={() => setCreated(null)}
        />
      )}
      {actionError && (
        <p role="alert" class="error">
          {actionError}
        </p>
      )}
      <ListProblem state={state} />
      {state === 'idle' && keys.length === 0 && <p>No API keys yet.</p>}
      {keys.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => {
              const status = keyStatus(key, now);
              return (
                <tr key={key.id} data-api-key-id={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{when(key.created_at)}</td>
                  <td>
                    {status}
                    {key.revoked_at ? ` ${when(key.revoked_at)}` : ''}
                  </td>
                  <td>
                    {!key.revoked_at && (
                      <ConfirmButton
                        label={`Revoke ${key.name}`}
                        question={`Revoke “${key.name}”? Calls with it are refused at once.`}
                        confirmLabel="Yes, revoke"
                        onConfirm={() => revoke(key)}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <ListMore list={list} label="More keys" />
    </section>
  );
}
