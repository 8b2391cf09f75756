import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type ApiClient, type Schemas } from '../api/client';
import { href } from '../routes';
import { when } from './operator-confirm';
import { TenantApiKeys } from './tenant-api-keys';
import { TenantConsoleLinks } from './tenant-console-links';

/** One tenant for the operator (`#/tenants/<id>`): its API keys and its console links. */
export function TenantPage({ client, tenantId }: { client: ApiClient; tenantId: string }) {
  const [tenant, setTenant] = useState<Schemas['Tenant'] | null>(null);
  const [state, setState] = useState<'loading' | 'idle' | { error: string }>('loading');

  useEffect(() => {
    let current = true;
    setState('loading');
    client
      .GET('/v1/tenants/{id}', { params: { path: { id: tenantId } } })
      .then(({ data, error, response }) => {
        if (!current) return;
        if (data) {
          setTenant(data);
          setState('idle');
        } else
          setState({
            error:
              response.status === 404 ? 'There is no such tenant.' : errorMessage(error, response),
          });
      })
      .catch(() => current && setState({ error: 'Herald could not be reached.' }));
    return () => {
      current = false;
    };
  }, [client, tenantId]);

  return (
    <section aria-labelledby="tenant-title" class="operator">
      <p>
        <a href={href('tenants')}>← Tenants</a>
      </p>
      <h1 id="tenant-title">{tenant ? tenant.name : 'Tenant'}</h1>
      {typeof state === 'object' && (
        <p role="alert" class="error">
          {state.error}
        </p>
      )}
      {state === 'loading' && <p aria-live="polite">Loading…</p>}
      {tenant && (
        <>
          <dl class="facts">
            <div>
              <dt>Id</dt>
              <dd>
                <code>{tenant.id}</code>
              </dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>{when(tenant.created_at)}</dd>
            </div>
            <div>
              <dt>Retention</dt>
              <dd>{tenant.retention ?? 'Herald’s default'}</dd>
            </div>
          </dl>
          <TenantApiKeys client={client} tenantId={tenant.id} />
          <TenantConsoleLinks client={client} tenantId={tenant.id} />
        </>
      )}
    </section>
  );
}
