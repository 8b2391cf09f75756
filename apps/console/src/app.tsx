import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiClient, exchangeLink } from './api/client';
import { SignInPage } from './pages/sign-in-page';
import { SubscriptionsPage } from './pages/subscriptions-page';
import { forgetApiKey, storedApiKey, storedView, storeApiKey } from './session';

/** Pages of the shell; later pages (events, deliveries, dead letters) add an entry here. */
const PAGES = [{ route: 'subscriptions', title: 'Subscriptions' }] as const;
type Route = (typeof PAGES)[number]['route'];

function currentRoute(): Route {
  const route = window.location.hash.replace(/^#\/?/, '');
  return PAGES.find((page) => page.route === route)?.route ?? 'subscriptions';
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

  useEffect(() => {
    const onHashChange = () => setRoute(currentRoute());
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
  const shown = PAGES.filter((page) => view.pages === null || view.pages.includes(page.route));

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
        onSignIn={(key) => {
          storeApiKey(key);
          setApiKey(key);
        }}
      />
    );
  }
  return (
    <>
      <header class="shell">
        <span class="brand">Herald</span>
        <nav aria-label="Console">
          <ul>
            {shown.map((page) => (
              <li key={page.route}>
                <a
                  href={`#/${page.route}`}
                  aria-current={page.route === route ? 'page' : undefined}
                >
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
        {route === 'subscriptions' && shown.some((page) => page.route === route) && (
          <SubscriptionsPage client={client} />
        )}
      </main>
    </>
  );
}
