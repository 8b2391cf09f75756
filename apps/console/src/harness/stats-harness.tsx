import { render } from 'preact';
import { apiClient } from '../api/client';
import { SubscriptionStats } from '../pages/subscription-stats';
import '../console.css';

// A page with the stats component alone, for the browser test (test/console-operator.e2e-spec.ts)
// while no console page shows it yet; not part of the console's build. The key is put in
// sessionStorage by the test, the subscription id is the fragment.
const key = sessionStorage.getItem('herald.harness.apiKey') ?? '';
const root = document.getElementById('app');
if (root)
  render(
    <main>
      <SubscriptionStats
        client={apiClient(key, () => undefined)}
        subscriptionId={decodeURIComponent(window.location.hash.slice(1))}
      />
    </main>,
    root,
  );
