import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Schemas } from '../api/client';
import { go, href } from '../routes';
import { Time, useAction } from './activity-common';
import { settingLabel } from './subscription-destination-fields';
import type { Subscription } from './subscription-form-state';
import { JsonText } from './subscription-json-text';
import { apiProblem, ProblemAlert, UNREACHABLE, type Problem } from './subscription-problems';
import { SubscriptionSecret } from './subscription-secret';
import { SubscriptionStats } from './subscription-stats';
import { SubscriptionTest } from './subscription-test';
import './subscriptions.css';

type Loaded =
  | { state: 'loading' }
  | { state: 'not_found' }
  | { state: 'failed'; problem: Problem }
  | { state: 'ready'; subscription: Subscription };

const listText = (list: string[] | null | undefined, empty: string): string =>
  list && list.length > 0 ? list.join(', ') : empty;

function settingText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([name, entry]) => `${name}: ${String(entry)}`)
      .join('\n');
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function Destination({ destination }: { destination: Schemas['Destination'] | undefined }) {
  if (!destination) return null;
  const settings = Object.entries(destination).filter(
    ([name, value]) => name !== 'type' && settingText(value) !== '',
  );
  return (
    <>
      <dt>Destination type</dt>
      <dd>{destination.type}</dd>
      {settings.map(([name, value]) => (
        <div class="sub-contents" key={name}>
          <dt>{settingLabel(name)}</dt>
          <dd class="sub-pre-line">
            <code>{settingText(value)}</code>
          </dd>
        </div>
      ))}
    </>
  );
}

/** Whether Herald delivers to it, and if not, why. */
export function statusText(subscription: Subscription): string {
  if (!subscription.enabled) return 'disabled by you';
  if (subscription.status === 'disabled') {
    return `disabled by Herald${subscription.disabled_reason ? `: ${subscription.disabled_reason}` : ''}`;
  }
  return subscription.status ?? '';
}

/** Enable, disable and delete (after an inline confirmation). */
function Actions({
  client,
  subscription,
  onChange,
}: {
  client: ApiClient;
  subscription: Subscription;
  onChange: (subscription: Subscription) => void;
}) {
  const id = subscription.id ?? '';
  const [confirming, setConfirming] = useState(false);
  const { busy, result: problem, run } = useAction<Problem>(UNREACHABLE);

  const setEnabled = (enabled: boolean) =>
    run(async () => {
      const { data, error, response } = await client.PATCH('/v1/subscriptions/{id}', {
        params: { path: { id } },
        body: { enabled },
      });
      if (!data) return apiProblem(error, response);
      onChange(data);
      return null;
    });

  const remove = () =>
    run(async () => {
      const { error, response } = await client.DELETE('/v1/subscriptions/{id}', {
        params: { path: { id } },
      });
      if (!response.ok) return apiProblem(error, response);
      go('subscriptions');
      return null;
    });

  // Herald disabled it (failing endpoint): enabling again clears the reason and starts afresh.
  const stopped = !subscription.enabled || subscription.status === 'disabled';
  return (
    <section class="sub-panel" aria-labelledby="subscription-actions-title">
      <h2 id="subscription-actions-title">Actions</h2>
      <div class="sub-actions">
        <a href={href('subscriptions', id, 'edit')}>Edit</a>
        {stopped ? (
          <button type="button" disabled={busy} onClick={() => void setEnabled(true)}>
            Enable
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void setEnabled(false)}>
            Disable
          </button>
        )}
        {confirming ? (
          <>
            <span id="delete-question">Delete this subscription? Its history stays.</span>
            <button
              type="button"
              class="sub-danger"
              disabled={busy}
              aria-describedby="delete-question"
              onClick={() => void remove()}
            >
              Yes, delete
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" class="sub-danger" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
      <ProblemAlert problem={problem} />
    </section>
  );
}

/** One subscription: every field as text, its status, and what a tenant can do with it. */
export function SubscriptionDetail({
  client,
  id,
  readOnly,
}: {
  client: ApiClient;
  id: string;
  readOnly: boolean;
}) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });

  useEffect(() => {
    const load = async (): Promise<Loaded> => {
      const { data, error, response } = await client.GET('/v1/subscriptions/{id}', {
        params: { path: { id } },
      });
      if (response.status === 404) return { state: 'not_found' };
      if (!data) return { state: 'failed', problem: apiProblem(error, response) };
      return { state: 'ready', subscription: data };
    };
    load()
      .then(setLoaded)
      .catch(() => setLoaded({ state: 'failed', problem: UNREACHABLE }));
  }, [client, id]);

  const back = <a href={href('subscriptions')}>All subscriptions</a>;
  if (loaded.state === 'loading') return <p aria-live="polite">Loading…</p>;
  if (loaded.state === 'not_found') {
    return (
      <section aria-labelledby="subscription-title">
        <h1 id="subscription-title">Subscription not found</h1>
        <p>
          No subscription <code>{id}</code> here. {back}
        </p>
      </section>
    );
  }
  if (loaded.state === 'failed') return <ProblemAlert problem={loaded.problem} />;
  const { subscription } = loaded;
  const changed = (next: Subscription) => setLoaded({ state: 'ready', subscription: next });

  return (
    <section aria-labelledby="subscription-title">
      <div class="sub-page-head">
        <h1 id="subscription-title">{subscription.description || subscription.id}</h1>
        {back}
      </div>
      <dl class="sub-details" aria-label="Subscription">
        <dt>Id</dt>
        <dd>
          <code>{subscription.id}</code>
        </dd>
        <dt>Status</dt>
        <dd
          class={
            subscription.status === 'active' && subscription.enabled
              ? 'sub-status-active'
              : 'sub-status-disabled'
          }
          data-testid="subscription-status"
        >
          {statusText(subscription)}
        </dd>
        <dt>Enabled</dt>
        <dd>{subscription.enabled ? 'yes' : 'no'}</dd>
        <dt>Disabled reason</dt>
        <dd>{subscription.disabled_reason ?? 'none'}</dd>
        <dt>Failing since</dt>
        <dd>
          {subscription.failing_since ? <Time iso={subscription.failing_since} /> : 'not failing'}
        </dd>
        <dt>Description</dt>
        <dd>{subscription.description || 'none'}</dd>
        <Destination destination={subscription.destination} />
        <dt>Event types</dt>
        <dd>
          <code>{listText(subscription.event_types, 'none')}</code>
        </dd>
        <dt>Filter</dt>
        <dd>
          <JsonText value={subscription.filter} />
        </dd>
        <dt>Trigger fields</dt>
        <dd>{listText(subscription.trigger_fields, 'the event type’s defaults')}</dd>
        <dt>Payload fields</dt>
        <dd>{listText(subscription.payload_fields, 'the event type’s defaults')}</dd>
        <dt>Transformation</dt>
        <dd>
          {subscription.transformation ? (
            <pre class="sub-json">{subscription.transformation}</pre>
          ) : (
            'the event type’s, if any'
          )}
        </dd>
        <dt>Ordering</dt>
        <dd>{subscription.ordering === 'strict' ? 'strict' : 'best effort'}</dd>
        <dt>Max in flight</dt>
        <dd>{subscription.max_in_flight ?? 'default (32)'}</dd>
        <dt>Rate limit</dt>
        <dd>
          {subscription.rate_limit_per_second
            ? `${subscription.rate_limit_per_second} per second`
            : 'none'}
        </dd>
        <dt>Debug</dt>
        <dd>{subscription.debug ? 'on' : 'off'}</dd>
        <dt>Metadata</dt>
        <dd>
          <JsonText
            value={
              subscription.metadata && Object.keys(subscription.metadata).length > 0
                ? subscription.metadata
                : null
            }
          />
        </dd>
        <dt>Created</dt>
        <dd>{subscription.created_at}</dd>
        <dt>Updated</dt>
        <dd>{subscription.updated_at}</dd>
      </dl>
      {!readOnly && <Actions client={client} subscription={subscription} onChange={changed} />}
      {!readOnly && <SubscriptionSecret client={client} id={id} />}
      {!readOnly && <SubscriptionTest client={client} subscription={subscription} />}
      <SubscriptionStats client={client} subscriptionId={id} />
    </section>
  );
}
