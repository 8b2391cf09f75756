import { errorMessage, type Schemas } from '../api/client';
import { href } from '../routes';
import {
  ActionResult,
  inFlight,
  NotLoaded,
  PageLink,
  StatusTag,
  Time,
  useActionOutcome,
  useLoaded,
  useRefreshWhile,
  type RecordPageProps,
} from './activity-common';

type DeliveryDetailView = Schemas['DeliveryDetail'];
type Attempt = Schemas['DeliveryAttempt'];

/** `#/deliveries/<id>`: a delivery's fields, its attempts as a timeline, and retrying it now. */
export function DeliveryDetail({ client, id, readOnly }: RecordPageProps) {
  const [delivery, load] = useLoaded<DeliveryDetailView>(
    () => client.GET('/v1/deliveries/{id}', { params: { path: { id } } }),
    [client, id],
  );
  const { busy, result, run } = useActionOutcome();
  useRefreshWhile(delivery.status === 'ready' && inFlight(delivery.value.status), load);

  const retry = () =>
    run(async () => {
      const { data, error, response } = await client.POST('/v1/deliveries/{id}/retry', {
        params: { path: { id } },
      });
      if (!data) return { error: errorMessage(error, response) };
      load();
      return {
        done: (
          <>
            Sent again as delivery{' '}
            <a href={href('deliveries', data.id)}>
              <code>{data.id}</code>
            </a>
            .
          </>
        ),
      };
    });

  if (delivery.status !== 'ready') {
    return (
      <NotLoaded
        loaded={delivery}
        noun="Delivery"
        id={id}
        list="deliveries"
        listLabel="All deliveries"
      />
    );
  }
  const shown = delivery.value;
  return (
    <section aria-labelledby="page-title" class="detail">
      <p class="crumbs">
        <PageLink to={['deliveries']}>Deliveries</PageLink>
      </p>
      <h1 id="page-title">
        Delivery <code>{shown.id}</code>
      </h1>
      <dl class="fields">
        <dt>Status</dt>
        <dd>
          <StatusTag status={shown.status} />
        </dd>
        <dt>Event</dt>
        <dd>
          <a href={href('events', shown.event_id)}>
            <code>{shown.event_id}</code>
          </a>{' '}
          {shown.event_type}
        </dd>
        <dt>Subscription</dt>
        <dd>
          <a href={href('deliveries', 'subscription', shown.subscription_id)}>
            <code>{shown.subscription_id}</code>
          </a>
        </dd>
        <dt>Origin</dt>
        <dd>{shown.origin}</dd>
        <dt>Webhook id</dt>
        <dd>
          <code>{shown.webhook_id}</code>
        </dd>
        <dt>Created</dt>
        <dd>
          <Time iso={shown.created_at} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <Time iso={shown.updated_at} />
        </dd>
        {shown.redriven_at && (
          <>
            <dt>Sent again</dt>
            <dd>
              <Time iso={shown.redriven_at} />
            </dd>
          </>
        )}
      </dl>
      {!readOnly && (
        <p class="toolbar">
          <button type="button" disabled={busy} onClick={() => void retry()}>
            Retry now
          </button>
        </p>
      )}
      <ActionResult result={result} />
      <h2 id="attempts-title">Attempts</h2>
      {shown.attempts.length === 0 && !shown.next_attempt_at && <p>No attempt yet.</p>}
      <ol class="timeline" aria-labelledby="attempts-title">
        {shown.attempts.map((attempt, index) => (
          <AttemptItem
            key={attempt.attempt}
            attempt={attempt}
            next={shown.attempts[index + 1]?.started_at ?? shown.next_attempt_at}
          />
        ))}
        {shown.next_attempt_at && (
          <li class="attempt upcoming" data-attempt="next">
            <h3>Next attempt</h3>
            <p>
              Due <Time iso={shown.next_attempt_at} />
            </p>
          </li>
        )}
      </ol>
    </section>
  );
}

function AttemptItem({ attempt, next }: { attempt: Attempt; next: string | null }) {
  return (
    <li class={`attempt attempt-${attempt.outcome}`} data-attempt={attempt.attempt}>
      <h3>
        Attempt {attempt.attempt} <StatusTag status={attempt.outcome} />
      </h3>
      <dl class="fields">
        <dt>Started</dt>
        <dd>
          <Time iso={attempt.started_at} />
        </dd>
        <dt>Duration</dt>
        <dd>{attempt.duration_ms} ms</dd>
        <dt>Status code</dt>
        <dd class="status-code">{attempt.status_code ?? '—'}</dd>
        <dt>Error class</dt>
        <dd class="error-class">{attempt.error_class ?? '—'}</dd>
        {attempt.error_message && (
          <>
            <dt>Error</dt>
            <dd>{attempt.error_message}</dd>
          </>
        )}
        {attempt.outcome === 'failed' && (
          <>
            <dt>Next attempt</dt>
            <dd>{next ? <Time iso={next} /> : 'none'}</dd>
          </>
        )}
      </dl>
      {attempt.response_excerpt !== null && (
        <details open={attempt.outcome === 'failed'}>
          <summary>Response</summary>
          <pre class="excerpt">{attempt.response_excerpt}</pre>
        </details>
      )}
      {attempt.request_body !== undefined && (
        <details>
          <summary>Request body</summary>
          <pre class="excerpt">{attempt.request_body}</pre>
        </details>
      )}
    </li>
  );
}
