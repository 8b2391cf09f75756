import { errorMessage, type Schemas } from '../api/client';
import {
  ActionResult,
  DeliveryTable,
  inFlight,
  NotLoaded,
  PageLink,
  Time,
  useActionOutcome,
  useLoaded,
  useRefreshWhile,
  type RecordPageProps,
} from './activity-common';

type HeraldEvent = Schemas['Event'];

/** The payload as indented JSON text (a string payload as itself), for a `<pre>`. */
export function payloadText(data: HeraldEvent['data']): string {
  return typeof data === 'string' ? data : JSON.stringify(data, null, 2);
}

/** `#/events/<id>`: an event's fields, payload and deliveries, and replaying it. */
export function EventDetail({ client, id, readOnly }: RecordPageProps) {
  const [event, load] = useLoaded<HeraldEvent>(
    () => client.GET('/v1/events/{id}', { params: { path: { id } } }),
    [client, id],
  );
  const { busy, result, run } = useActionOutcome();
  useRefreshWhile(
    event.status === 'ready' && event.value.deliveries.some((one) => inFlight(one.status)),
    load,
  );

  const replay = () =>
    run(async () => {
      const { data, error, response } = await client.POST('/v1/events/{id}/replay', {
        params: { path: { id } },
        body: {},
      });
      if (!data) return { error: errorMessage(error, response) };
      load();
      return {
        done:
          data.deliveries.length === 0
            ? 'Replayed: no subscription matches this event now.'
            : `Replayed as ${data.deliveries.length} new ${
                data.deliveries.length === 1 ? 'delivery' : 'deliveries'
              }.`,
      };
    });

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
        <DeliveryTable deliveries={shown.deliveries} time="last" />
      )}
    </section>
  );
}
