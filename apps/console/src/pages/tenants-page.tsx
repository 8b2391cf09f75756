import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type Schemas } from '../api/client';
import { go, href } from '../routes';
import { when } from './operator-confirm';
import { ListMore, ListProblem, usePagedList } from './paged-list';
import type { PageProps } from './page-props';
import { TenantPage } from './tenant-page';
import './operator.css';

type Tenant = Schemas['Tenant'];

/** The operator's tenants (`#/tenants`), and one tenant (`#/tenants/<id>`). */
export function TenantsPage(props: PageProps) {
  const [id] = props.parts;
  return id ? <TenantPage client={props.client} tenantId={id} /> : <TenantList {...props} />;
}

function TenantList({ client }: PageProps) {
  const [name, setName] = useState('');
  const [createError, setCreateError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const list = usePagedList<Tenant>((after) =>
    client.GET('/v1/tenants', {
      params: { query: { limit: 50, ...(after ? { cursor: after } : {}) } },
    }),
  );
  const { items: tenants, state, show } = list;

  useEffect(() => show(null), [client]);

  const create = async (event: Event) => {
    event.preventDefault();
    if (!name.trim()) return;
    setCreating(true);
    setCreateError(null);
    try {
      const { data, error, response } = await client.POST('/v1/tenants', {
        body: { name: name.trim() },
      });
      if (data) go('tenants', data.id);
      else setCreateError(errorMessage(error, response));
    } catch {
      setCreateError('Herald could not be reached.');
    } finally {
      setCreating(false);
    }
  };

  return (
    <section aria-labelledby="tenants-title" class="operator">
      <h1 id="tenants-title">Tenants</h1>
      <form class="inline-form" onSubmit={(event) => void create(event)}>
        <label for="tenant-name">New tenant’s name</label>
        <input
          id="tenant-name"
          name="tenant-name"
          required
          maxLength={200}
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
          aria-describedby={createError ? 'tenant-create-error' : undefined}
        />
        <button type="submit" disabled={creating}>
          Create tenant
        </button>
        {createError && (
          <p id="tenant-create-error" role="alert" class="error">
            {createError}
          </p>
        )}
      </form>
      <ListProblem state={state} />
      {state === 'idle' && tenants.length === 0 && <p>No tenants yet.</p>}
      {tenants.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col">Created</th>
              <th scope="col">Retention</th>
            </tr>
          </thead>
          <tbody>
            {tenants.map((tenant) => (
              <tr key={tenant.id} data-tenant-id={tenant.id}>
                <td>
                  <a href={href('tenants', tenant.id)}>{tenant.name}</a>
                </td>
                <td>
                  <code>{tenant.id}</code>
                </td>
                <td>{when(tenant.created_at)}</td>
                <td>{tenant.retention ?? 'default'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ListMore list={list} />
    </section>
  );
}
