import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type ApiClient, type Schemas } from '../api/client';
import { href } from '../routes';
import {
  ActionResult,
  localToIso,
  SubscriptionSelect,
  Time,
  TimeInput,
  useActionOutcome,
} from './activity-common';
import { ListMore, ListProblem, usePagedList } from './paged-list';
import type { PageProps } from './page-props';
import './activity.css';

type DeadLetter = Schemas['DeliveryDetail'];
/** What `POST /v1/dead-letters/redrive` takes: chosen dead letters, or a subscription's range. */
type RedriveRequest =
  { ids: string[] } | { subscription_id: string; since: string; until?: string };

interface DeadLetterFilter {
  subscriptionId: string;
  since: string;
  until: string;
  includeRedriven: boolean;
}

const NO_FILTER: DeadLetterFilter = {
  subscriptionId: '',
  since: '',
  until: '',
  includeRedriven: false,
};

/** The last attempt's answer, in a few words: its status code, else its error. */
function lastFailure(deadLetter: DeadLetter): string {
  const last = deadLetter.attempts.at(-1);
  if (!last) return '';
  const code = last.status_code === null ? '' : `HTTP ${last.status_code}`;
  return [code, last.error_class ?? '', last.error_message ?? ''].filter(Boolean).join(' · ');
}

/** `#/dead-letters`: deliveries that spent their retries, and sending them again. */
export function DeadLettersPage({ client, readOnly }: PageProps) {
  const [draft, setDraft] = useState<DeadLetterFilter>(NO_FILTER);
  const [filter, setFilter] = useState<DeadLetterFilter>(NO_FILTER);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const { busy, result, run } = useActionOutcome();

  const list = usePagedList<DeadLetter>(
    (after) => {
      const since = localToIso(filter.since);
      const until = localToIso(filter.until);
      return client.GET('/v1/dead-letters', {
        params: {
          query: {
            limit: 20,
            ...(filter.subscriptionId ? { subscription_id: filter.subscriptionId } : {}),
            ...(since ? { since } : {}),
            ...(until ? { until } : {}),
            ...(filter.includeRedriven ? { include_redriven: true } : {}),
            ...(after ? { cursor: after } : {}),
          },
        },
      });
    },
    () => setSelected(new Set()),
  );
  const { items: deadLetters, state, show } = list;
  useEffect(() => show(null), [client, filter]);

  const redrive = (body: RedriveRequest) =>
    run(async () => {
      const { data, error, response } = await client.POST('/v1/dead-letters/redrive', { body });
      if (!data) return { error: errorMessage(error, response) };
      show(null);
      return { done: <RedriveSummary redriven={data} /> };
    });

  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Dead letters</h1>
      <form
        class="filters"
        role="search"
        aria-label="Filter dead letters"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter({ ...draft });
        }}
      >
        <SubscriptionSelect
          client={client}
          id="dead-letters-subscription"
          label="Subscription"
          anyLabel="Any subscription"
          value={draft.subscriptionId}
          onChange={(subscriptionId) => setDraft({ ...draft, subscriptionId })}
        />
        <TimeInput
          id="dead-letters-since"
          label="Created from"
          value={draft.since}
          onChange={(since) => setDraft({ ...draft, since })}
        />
        <TimeInput
          id="dead-letters-until"
          label="Created before"
          value={draft.until}
          onChange={(until) => setDraft({ ...draft, until })}
        />
        <div class="field checkbox">
          <input
            id="dead-letters-include-redriven"
            name="include_redriven"
            type="checkbox"
            checked={draft.includeRedriven}
            onChange={(event) =>
              setDraft({ ...draft, includeRedriven: event.currentTarget.checked })
            }
          />
          <label for="dead-letters-include-redriven">Include those sent again</label>
        </div>
        <div class="field actions">
          <button type="submit">Filter</button>
        </div>
      </form>
      <ActionResult result={result} />
      <ListProblem state={state} />
      {!readOnly && deadLetters.length > 0 && (
        <p class="toolbar">
          <button
            type="button"
            disabled={busy || selected.size === 0}
            onClick={() => void redrive({ ids: [...selected] })}
          >
            Redrive selected ({selected.size})
          </button>
        </p>
      )}
      {state === 'idle' && deadLetters.length === 0 && <p>No dead letters.</p>}
      {deadLetters.length > 0 && (
        <table class="activity dead-letters">
          <thead>
            <tr>
              {!readOnly && (
                <th scope="col">
                  <input
                    id="select-all-dead-letters"
                    type="checkbox"
                    checked={selected.size > 0 && selected.size === deadLetters.length}
                    onChange={(event) =>
                      setSelected(
                        new Set(
                          event.currentTarget.checked ? deadLetters.map((one) => one.id) : [],
                        ),
                      )
                    }
                  />
                  <label for="select-all-dead-letters" class="visually-hidden">
                    Select every dead letter shown
                  </label>
                </th>
              )}
              <th scope="col">Delivery</th>
              <th scope="col">Event type</th>
              <th scope="col">Subscription</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Created</th>
              <th scope="col">Sent again</th>
              {!readOnly && (
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {deadLetters.map((deadLetter) => (
              <tr key={deadLetter.id} data-delivery-id={deadLetter.id}>
                {!readOnly && (
                  <td>
                    <input
                      id={`select-${deadLetter.id}`}
                      type="checkbox"
                      checked={selected.has(deadLetter.id)}
                      onChange={(event) => toggle(deadLetter.id, event.currentTarget.checked)}
                    />
                    <label for={`select-${deadLetter.id}`} class="visually-hidden">
                      Select {deadLetter.id}
                    </label>
                  </td>
                )}
                <td>
                  <a href={href('deliveries', deadLetter.id)}>
                    <code>{deadLetter.id}</code>
                  </a>
                </td>
                <td>
                  <a href={href('events', deadLetter.event_id)}>{deadLetter.event_type}</a>
                </td>
                <td>
                  <a href={href('deliveries', 'subscription', deadLetter.subscription_id)}>
                    <code>{deadLetter.subscription_id}</code>
                  </a>
                </td>
                <td>{deadLetter.attempts.length}</td>
                <td>{lastFailure(deadLetter)}</td>
                <td>
                  <Time iso={deadLetter.created_at} />
                </td>
                <td>
                  <Time iso={deadLetter.redriven_at} />
                </td>
                {!readOnly && (
                  <td>
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Redrive ${deadLetter.id}`}
                      onClick={() => void redrive({ ids: [deadLetter.id] })}
                    >
                      Redrive
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ListMore list={list} />
      {!readOnly && <RedriveRangeForm client={client} busy={busy} onRedrive={redrive} />}
    </section>
  );
}

function RedriveSummary({ redriven }: { redriven: Schemas['RedriveResult'] }) {
  return (
    <>
      <p>
        Redriven {redriven.redriven} {redriven.redriven === 1 ? 'dead letter' : 'dead letters'}
        {redriven.has_more ? '; more remain, redrive again to continue.' : '.'}
      </p>
      {redriven.deliveries.length > 0 && (
        <ul class="new-deliveries">
          {redriven.deliveries.map((delivery) => (
            <li key={delivery.id}>
              New delivery{' '}
              <a href={href('deliveries', delivery.id)}>
                <code>{delivery.id}</code>
              </a>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Redrive a subscription's dead letters created since a time (and, optionally, before another). */
function RedriveRangeForm({
  client,
  busy,
  onRedrive,
}: {
  client: ApiClient;
  busy: boolean;
  onRedrive: (body: RedriveRequest) => Promise<void>;
}) {
  const [subscriptionId, setSubscriptionId] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  return (
    <form
      class="filters redrive-range"
      aria-labelledby="redrive-range-title"
      onSubmit={(event) => {
        event.preventDefault();
        const from = localToIso(since);
        const to = localToIso(until);
        if (!subscriptionId || !from) return;
        void onRedrive({
          subscription_id: subscriptionId,
          since: from,
          ...(to ? { until: to } : {}),
        });
      }}
    >
      <h2 id="redrive-range-title">Redrive a subscription's dead letters</h2>
      <SubscriptionSelect
        client={client}
        id="redrive-subscription"
        label="Subscription"
        anyLabel="Choose a subscription"
        required
        value={subscriptionId}
        onChange={setSubscriptionId}
      />
      <TimeInput id="redrive-since" label="Since" required value={since} onChange={setSince} />
      <TimeInput id="redrive-until" label="Before (optional)" value={until} onChange={setUntil} />
      <div class="field actions">
        <button type="submit" disabled={busy}>
          Redrive since
        </button>
      </div>
    </form>
  );
}
