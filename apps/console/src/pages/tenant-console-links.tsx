import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type ApiClient, type Schemas } from '../api/client';
import { ListMore, ListProblem, usePagedList } from './paged-list';
import { ConfirmButton, ShownOnce, when } from './operator-confirm';

type ConsoleSession = Schemas['ConsoleSession'];
type ConsolePage = NonNullable<ConsoleSession['pages']>[number];

/** Every page a link may show, as the API names them; a page the API adds fails the typecheck here. */
const PAGE_TITLES: Record<ConsolePage, string> = {
  subscriptions: 'Subscriptions',
  'event-types': 'Event types',
  events: 'Events',
  deliveries: 'Deliveries',
  'dead-letters': 'Dead letters',
};
const PAGES = Object.keys(PAGE_TITLES) as ConsolePage[];

/** How long the session a link opens lasts, 5 minutes to 30 days as the API allows. */
const LIFETIMES = [
  { value: '15m', label: '15 minutes' },
  { value: '1h', label: '1 hour' },
  { value: '8h', label: '8 hours' },
  { value: '1d', label: '1 day' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
];

function sessionStatus(session: ConsoleSession, now: number): string {
  if (session.revoked_at) return 'revoked';
  if (Date.parse(session.expires_at) <= now) return 'expired';
  if (session.exchanged_at) return 'open';
  if (Date.parse(session.link_expires_at) <= now) return 'link expired unused';
  return 'link not used yet';
}

/** A tenant's console links for the operator: make one (its URL shown once), list, revoke. */
export function TenantConsoleLinks({ client, tenantId }: { client: ApiClient; tenantId: string }) {
  const [readOnly, setReadOnly] = useState(false);
  const [pages, setPages] = useState<ConsolePage[]>([]);
  const [expiresIn, setExpiresIn] = useState('1h');
  const [created, setCreated] = useState<Schemas['NewConsoleSession'] | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const list = usePagedList<ConsoleSession>((after) =>
    client.GET('/v1/console-sessions', {
      params: { query: { tenant_id: tenantId, limit: 50, ...(after ? { cursor: after } : {}) } },
    }),
  );
  const { items: sessions, state, show } = list;
  useEffect(() => show(null), [client, tenantId]);

  /** Runs an action and reloads the list, or says why it failed. */
  const act = async (action: () => Promise<{ error?: unknown; response: Response }>) => {
    setActionError(null);
    setNotice(null);
    try {
      const { error, response } = await action();
      if (!response.ok) setActionError(errorMessage(error, response));
      else show(null);
      return response.ok;
    } catch {
      setActionError('Herald could not be reached.');
      return false;
    }
  };

  const create = async (event: Event) => {
    event.preventDefault();
    await act(async () => {
      const result = await client.POST('/v1/console-sessions', {
        body: {
          tenant_id: tenantId,
          read_only: readOnly,
          pages: pages.length === 0 ? null : PAGES.filter((page) => pages.includes(page)),
          expires_in: expiresIn,
        },
      });
      if (result.data) setCreated(result.data);
      return result;
    });
  };

  const togglePage = (page: ConsolePage, on: boolean) =>
    setPages((chosen) => (on ? [...chosen, page] : chosen.filter((one) => one !== page)));

  const now = Date.now();
  const live = sessions.filter((session) => !session.revoked_at);
  return (
    <section aria-labelledby="console-links-title">
      <h2 id="console-links-title">Console links</h2>
      <form class="link-form" onSubmit={(event) => void create(event)}>
        <div class="check">
          <input
            id="link-read-only"
            type="checkbox"
            checked={readOnly}
            onChange={(event) => setReadOnly(event.currentTarget.checked)}
          />
          <label for="link-read-only">Read-only (the session may only look)</label>
        </div>
        <fieldset>
          <legend>Pages shown (none ticked: all)</legend>
          {PAGES.map((page) => (
            <div class="check" key={page}>
              <input
                id={`link-page-${page}`}
                type="checkbox"
                checked={pages.includes(page)}
                onChange={(event) => togglePage(page, event.currentTarget.checked)}
              />
              <label for={`link-page-${page}`}>{PAGE_TITLES[page]}</label>
            </div>
          ))}
        </fieldset>
        <div>
          <label for="link-expires-in">Session lasts</label>{' '}
          <select
            id="link-expires-in"
            value={expiresIn}
            onChange={(event) => setExpiresIn(event.currentTarget.value)}
          >
            {LIFETIMES.map(({ value, label }) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Create console link</button>
      </form>
      {created && (
        <ShownOnce
          id="new-console-link"
          label={`Console link${created.read_only ? ' (read-only)' : ''}, shown once`}
          value={created.url}
          note={`Opens the tenant’s console once, until ${when(created.link_expires_at)}; the session then lasts until ${when(created.expires_at)}. Send it privately: whoever opens it first is signed in.`}
          onDone={() => setCreated(null)}
        />
      )}
      {actionError && (
        <p role="alert" class="error">
          {actionError}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      <ListProblem state={state} />
      {state === 'idle' && sessions.length === 0 && <p>No console links yet.</p>}
      {sessions.length > 0 && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Made</th>
                <th scope="col">By</th>
                <th scope="col">Access</th>
                <th scope="col">Pages</th>
                <th scope="col">Status</th>
                <th scope="col">Ends</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <tr key={session.id} data-console-session-id={session.id}>
                  <td>{when(session.created_at)}</td>
                  <td>{session.created_by}</td>
                  <td>{session.read_only ? 'read-only' : 'full'}</td>
                  <td>
                    {session.pages
                      ? session.pages.map((page) => PAGE_TITLES[page]).join(', ')
                      : 'all'}
                  </td>
                  <td>{sessionStatus(session, now)}</td>
                  <td>{when(session.expires_at)}</td>
                  <td>
                    {!session.revoked_at && Date.parse(session.expires_at) > now && (
                      <ConfirmButton
                        label="Revoke"
                        question="Revoke this link and its session?"
                        confirmLabel="Yes, revoke"
                        onConfirm={async () => {
                          await act(() =>
                            client.DELETE('/v1/console-sessions/{id}', {
                              params: { path: { id: session.id } },
                            }),
                          );
                        }}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {live.length > 0 && (
            <ConfirmButton
              label="Revoke all"
              question="Revoke every console link and session of this tenant?"
              confirmLabel="Yes, revoke all"
              onConfirm={async () => {
                let revoked = 0;
                const ok = await act(async () => {
                  const result = await client.POST('/v1/console-sessions/revoke-all', {
                    body: { tenant_id: tenantId },
                  });
                  revoked = result.data?.revoked ?? 0;
                  return result;
                });
                if (ok) setNotice(`${revoked} revoked.`);
              }}
            />
          )}
        </>
      )}
      <ListMore list={list} label="More links" />
    </section>
  );
}
