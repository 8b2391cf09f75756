import { useEffect } from 'preact/hooks';
import type { Schemas } from '../api/client';
import { href } from '../routes';
import type { PageProps } from './page-props';
import { Time } from './activity-common';
import { ListMore, ListProblem, usePagedList } from './paged-list';
import { SubscriptionDetail } from './subscription-detail';
import { SubscriptionForm } from './subscription-form';
import './subscriptions.css';

type Subscription = Schemas['Subscription'];

/** Where a subscription delivers, as one line of text. */
export function destinationText(destination: Subscription['destination']): string {
  if (!destination) return '';
  switch (destination.type) {
    case 'webhook':
    case 'oauth2_webhook':
      return destination.url;
    case 'email':
      return destination.to.join(', ');
    case 'sqs':
      return destination.queue_url ?? destination.queue_name ?? '';
  }
}

/**
 * `#/subscriptions`: the list; `…/new` and `…/<id>/edit`: the form; `…/<id>`: one subscription.
 */
export function SubscriptionsPage({ client, parts, readOnly }: PageProps) {
  const [first, second] = parts;
  if (first === undefined) return <SubscriptionList client={client} readOnly={readOnly} />;
  if (first === 'new' || second === 'edit') {
    const id = first === 'new' ? null : first;
    return (
      <section aria-labelledby="subscription-form-title">
        <div class="sub-page-head">
          <h1 id="subscription-form-title">{id ? 'Edit subscription' : 'New subscription'}</h1>
          <a href={id ? href('subscriptions', id) : href('subscriptions')}>
            {id ? 'Back to the subscription' : 'All subscriptions'}
          </a>
        </div>
        {readOnly ? (
          <p role="alert">This console session is read-only: it cannot change subscriptions.</p>
        ) : (
          <SubscriptionForm key={id ?? 'new'} client={client} id={id} />
        )}
      </section>
    );
  }
  return <SubscriptionDetail key={first} client={client} id={first} readOnly={readOnly} />;
}

function SubscriptionList({ client, readOnly }: Pick<PageProps, 'client' | 'readOnly'>) {
  const list = usePagedList<Subscription>((after) =>
    client.GET('/v1/subscriptions', {
      params: { query: { limit: 50, ...(after ? { cursor: after } : {}) } },
    }),
  );
  const { items: subscriptions, state } = list;
  useEffect(() => list.show(null), [client]);

  return (
    <section aria-labelledby="subscriptions-title">
      <div class="sub-page-head">
        <h1 id="subscriptions-title">Subscriptions</h1>
        {!readOnly && <a href={href('subscriptions', 'new')}>New subscription</a>}
      </div>
      <ListProblem state={state} />
      {state !== 'loading' && subscriptions.length === 0 && typeof state !== 'object' && (
        <p>No subscriptions yet.</p>
      )}
      {subscriptions.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Description</th>
              <th scope="col">Destination</th>
              <th scope="col">Event types</th>
              <th scope="col">Enabled</th>
              <th scope="col">Status</th>
              <th scope="col">Disabled reason</th>
              <th scope="col">Failing since</th>
            </tr>
          </thead>
          <tbody>
            {subscriptions.map((subscription) => (
              <tr key={subscription.id} data-subscription-id={subscription.id}>
                <td>
                  <a href={href('subscriptions', subscription.id ?? '')}>
                    {subscription.description || subscription.id}
                  </a>
                </td>
                <td>
                  <span class="tag">{subscription.destination?.type}</span>{' '}
                  <code>{destinationText(subscription.destination)}</code>
                </td>
                <td>{(subscription.event_types ?? []).join(', ')}</td>
                <td>{subscription.enabled ? 'yes' : 'no'}</td>
                <td>{subscription.status}</td>
                <td>{subscription.disabled_reason ?? ''}</td>
                <td>
                  <Time iso={subscription.failing_since} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ListMore list={list} />
    </section>
  );
}
