import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiClient } from './api/client';
import { SignInPage } from './pages/sign-in-page';
import { SubscriptionsPage } from './pages/subscriptions-page';
import { forgetApiKey, storedApiKey, storeApiKey } from './session';

/** Pages of the shell; later pages (events, deliveries, dead letters) add an entry here. */
const PAGES = [{ route: 'subscriptions', title: 'Subscriptions' }] as const;
type Route = (typeof PAGES)[number]['route'];

function currentRoute(): Route {
  const route = window.location.hash.replace(/^#\/?/, '');
  return PAGES.find((page) => page.route === route)?.route ?? 'subscriptions';
}

export function App() {
  const [apiKey, setApiKey] = useState(storedApiKey);
  const [route, setRoute] = useState(currentRoute);

  useEffect(() => {
    const onHashChange = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  const signOut = () => {
    forgetApiKey();
    setApiKey(null);
  };
  const client = useMemo(() => (apiKey ? apiClient(apiKey, signOut) : null), [apiKey]);

  if (!client) {
    return (
      <SignInPage
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
            {PAGES.map((page) => (
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
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>{route === 'subscriptions' && <SubscriptionsPage client={client} />}</main>
    </>
  );
}
