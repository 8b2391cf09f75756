import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type ApiClient, type Schemas } from '../api/client';
import { href } from '../routes';
import {
  ActionResult,
  failure,
  inFlight,
  NotLoaded,
  PageLink,
  StatusTag,
  Time,
  UNREACHABLE,
  useRefreshWhile,
  type ActionOutcome,
  type Loaded,
} from './activity-common';

type HeraldEvent = Schemas['Event'];

/** The payload as indented JSON text (a string payload as itself), for a `<pre>`. */
export function payloadText(data: HeraldEvent['data']): string {
  return typeof data === 'string' ? data : JSON.stringify(data, null, 2);
}

/** `#/events/<id>`: an event's fields, payload and deliveries, and replaying it. */
export function EventDetail({
  client,
  id,
  readOnly,
}: {
  client: ApiClient;
  id: string;
  readOnly: boolean;
}) {
  const [event, setEvent] = useState<Loaded<HeraldEvent>>({ status: 'loading' });
  const [result, setResult] = useState<ActionOutcome | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () => {
    client
      .GET('/v1/events/{id}', { params: { path: { id } } })
      .then(({ data, error, response }) =>
        setEvent(data ? { status: 'ready', value: data } : failure(error, response)),
      )
      .catch(() => setEvent({ status: 'failed', message: UNREACHABLE }));
  };
  useEffect(load, [client, id]);
  useRefreshWhile(
    event.status === 'ready' && event.value.deliveries.some((one) => inFlight(one.status)),
    load,
  );

  const replay = async () => {
    setBusy(true);
    setResult(null);
    try {
      const { data, error, response } = await client.POST('/v1/events/{id}/replay', {
        params: { path: { id } },
        body: {},
      });
      if (!data) {
        setResult({ error: errorMessage(error, response) });
        return;
      }
      setResult({
        done:
          data.deliveries.length === 0
            ? 'Replayed: no subscription matches this event now.'
            : `Replayed as ${data.deliveries.length} new ${
                data.deliveries.length === 1 ? 'delivery' : 'deliveries'
              }.`,
      });
      load();
    } catch {
      setResult({ error: UNREACHABLE });
    } finally {
      setBusy(false);
    }
  };

  if (event.status !== 'ready') {
    return <NotLoaded loaded={event} noun="Event" id={id} list="events" listLabel="All events" />;
  }
  const shown = event.value;
  return (
    <section aria-labelledby="page-title" class="detail">
      <p class="crumbs">
        <PageLink to={['events']}>Events</PageLink>
      </p>
      <h1 id="page-title">
        Event <code>{shown.id}</code>
      </h1>
      <dl class="fields">
        <dt>Type</dt>
        <dd>{shown.type}</dd>
        <dt>Subject</dt>
        <dd>{shown.subject ?? '—'}</dd>
        <dt>Occurred</dt>
        <dd>
          <Time iso={shown.occurred_at} />
        </dd>
        <dt>Received</dt>
        <dd>
          <Time iso={shown.received_at} />
        </dd>
        {shown.changed_fields && (
          <>
            <dt>Changed fields</dt>
            <dd>{shown.changed_fields.join(', ')}</dd>
          </>
        )}
        {shown.failure && (
          <>
            <dt>Failure</dt>
            <dd class="error">
              {shown.failure.code}: {shown.failure.message} (<Time iso={shown.failure.failed_at} />)
            </dd>
          </>
        )}
      </dl>
      <h2 id="payload-title">Payload</h2>
      <pre class="payload" aria-labelledby="payload-title" tabIndex={0}>
        {payloadText(shown.data)}
      </pre>
      <h2>Deliveries</h2>
      {!readOnly && (
        <p class="toolbar">
          <button type="button" disabled={busy} onClick={() => void replay()}>
            Replay
          </button>
        </p>
      )}
      <ActionResult result={result} />
      {shown.deliveries.length === 0 ? (
        <p>No deliveries: no subscription matched this event.</p>
      ) : (
        <table class="activity deliveries">
          <thead>
            <tr>
              <th scope="col">Delivery</th>
              <th scope="col">Subscription</th>
              <th scope="col">Origin</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Created</th>
              <th scope="col">Last attempt</th>
            </tr>
          </thead>
          <tbody>
            {shown.deliveries.map((delivery) => (
              <tr key={delivery.id} data-delivery-id={delivery.id}>
                <td>
                  <a href={href('deliveries', delivery.id)}>
                    <code>{delivery.id}</code>
                  </a>
                </td>
                <td>
                  <a href={href('deliveries', 'subscription', delivery.subscription_id)}>
                    <code>{delivery.subscription_id}</code>
                  </a>
                </td>
                <td>{delivery.origin}</td>
                <td>
                  <StatusTag status={delivery.status} />
                </td>
                <td>{delivery.attempts}</td>
                <td>
                  <Time iso={delivery.created_at} />
                </td>
                <td>
                  <Time iso={delivery.last_attempt_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
