import type { FunctionComponent } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiClient, exchangeLink } from './api/client';
import { SignInPage } from './pages/sign-in-page';
import { DeadLettersPage } from './pages/dead-letters-page';
import { DeliveriesPage } from './pages/deliveries-page';
import { EventTypesPage } from './pages/event-types-page';
import { EventsPage } from './pages/events-page';
import type { PageProps } from './pages/page-props';
import { SubscriptionsPage } from './pages/subscriptions-page';
import { TenantsPage } from './pages/tenants-page';
import { parseRoute, type Route } from './routes';
import { applyTheme } from './theme';
import { forgetApiKey, storedApiKey, storedView, storeApiKey, type View } from './session';

interface Page {
  /** The first part of the address, and the name a console session's `pages` uses. */
  route: string;
  title: string;
  render: FunctionComponent<PageProps>;
  operator: boolean;
}

/** The shell's pages: a tenant's, or the operator's. */
const PAGES: Page[] = [
  { route: 'subscriptions', title: 'Subscriptions', render: SubscriptionsPage, operator: false },
  { route: 'event-types', title: 'Event types', render: EventTypesPage, operator: false },
  { route: 'events', title: 'Events', render: EventsPage, operator: false },
  { route: 'deliveries', title: 'Deliveries', render: DeliveriesPage, operator: false },
  { route: 'dead-letters', title: 'Dead letters', render: DeadLettersPage, operator: false },
  { route: 'tenants', title: 'Tenants', render: TenantsPage, operator: true },
];

/** The pages a signed-in view shows, in the shell's order. */
function pagesOf(view: View): Page[] {
  return PAGES.filter(
    (page) =>
      page.operator === (view.operator ?? false) &&
      (view.pages === null || view.pages.includes(page.route)),
  );
}

function currentRoute(): Route {
  return parseRoute(window.location.hash);
}

/** The console; `linkToken` is a console link's one-time token, exchanged for a session first. */
export function App({ linkToken }: { linkToken: string | null }) {
  const [apiKey, setApiKey] = useState(storedApiKey);
  const [view, setView] = useState(storedView);
  const [route, setRoute] = useState(currentRoute);
  const [opening, setOpening] = useState(linkToken !== null);
  const [linkRefused, setLinkRefused] = useState<string | null>(null);

  useEffect(() => {
    if (linkToken === null) return;
    void exchangeLink(linkToken).then((opened) => {
      if ('refused' in opened) setLinkRefused(opened.refused);
      else {
        storeApiKey(opened.key, opened.view);
        setApiKey(opened.key);
        setView(opened.view);
      }
      setOpening(false);
    });
  }, [linkToken]);

  useEffect(() => applyTheme(apiKey ? view.theme : null), [apiKey, view]);

  useEffect(() => {
    const onHashChange = () => {
      // A console link opened in a tab that already shows the console changes only the fragment;
      // loading the page again takes its token as on a first visit.
      if (window.location.hash.startsWith('#token=')) window.location.reload();
      else setRoute(currentRoute());
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  const forget = () => {
    forgetApiKey();
    setApiKey(null);
    setView(storedView());
  };
  const client = useMemo(() => (apiKey ? apiClient(apiKey, forget) : null), [apiKey]);
  // Signing out of a console link's session ends it for good, not only in this tab.
  const signOut = () => {
    const sessionId = view.sessionId;
    if (client && sessionId) {
      void client
        .DELETE('/v1/console-sessions/{id}', { params: { path: { id: sessionId } } })
        .catch(() => undefined);
    }
    forget();
  };
  const shown = pagesOf(view);
  const current = shown.find((page) => page.route === route.page) ?? shown[0];

  if (opening) {
    return (
      <main>
        <p role="status">Opening the console…</p>
      </main>
    );
  }
  if (!client) {
    return (
      <SignInPage
        notice={linkRefused}
        onSignIn={(key, signedIn) => {
          storeApiKey(key, signedIn);
          setApiKey(key);
          setView(signedIn);
        }}
      />
    );
  }
  return (
    <>
      <header class="shell">
        <span class="brand">
          {view.theme?.logo_url ? (
            <img class="logo" src={view.theme.logo_url} alt="Console" />
          ) : (
            'Herald'
          )}
        </span>
        <nav aria-label="Console">
          <ul>
            {shown.map((page) => (
              <li key={page.route}>
                <a href={`#/${page.route}`} aria-current={page === current ? 'page' : undefined}>
                  {page.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {view.readOnly && <span class="badge">Read-only</span>}
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {current && (
          <current.render
            key={current.route}
            client={client}
            parts={current.route === route.page ? route.parts : []}
            readOnly={view.readOnly}
          />
        )}
      </main>
    </>
  );
}
