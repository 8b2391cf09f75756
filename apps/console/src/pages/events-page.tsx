import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Schemas } from '../api/client';
import { href } from '../routes';
import { localToIso, PageLink, Time, TimeInput } from './activity-common';
import { ListMore, ListProblem, usePagedList } from './paged-list';
import { EventDetail } from './event-detail';
import type { PageProps } from './page-props';
import './activity.css';

type EventSummary = Schemas['EventSummary'];

interface EventSearch {
  type: string;
  since: string;
  until: string;
}

const NO_SEARCH: EventSearch = { type: '', since: '', until: '' };

/** The last search of each signed-in client, so coming back from an event keeps it. */
const lastSearch = new WeakMap<ApiClient, EventSearch>();

/** `#/events`: the tenant's events by type and time; `#/events/<id>`: one event. */
export function EventsPage({ client, parts, readOnly }: PageProps) {
  const [id] = parts;
  if (id) return <EventDetail key={id} client={client} id={id} readOnly={readOnly} />;
  return <EventList client={client} />;
}

function EventList({ client }: Pick<PageProps, 'client'>) {
  const [draft, setDraft] = useState<EventSearch>(() => lastSearch.get(client) ?? NO_SEARCH);
  const [search, setSearch] = useState<EventSearch>(draft);

  const list = usePagedList<EventSummary>((after) => {
    const since = localToIso(search.since);
    const until = localToIso(search.until);
    return client.GET('/v1/events', {
      params: {
        query: {
          limit: 20,
          ...(search.type.trim() ? { type: search.type.trim() } : {}),
          ...(since ? { since } : {}),
          ...(until ? { until } : {}),
          ...(after ? { cursor: after } : {}),
        },
      },
    });
  });
  const { items: events, state, show } = list;
  useEffect(() => {
    lastSearch.set(client, search);
    show(null);
  }, [client, search]);

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Events</h1>
      <form
        class="filters"
        role="search"
        aria-label="Search events"
        onSubmit={(event) => {
          event.preventDefault();
          setSearch({ ...draft });
        }}
      >
        <div class="field">
          <label for="events-type">Event type</label>
          <input
            id="events-type"
            name="type"
            placeholder="meter.* or meter.created"
            spellcheck={false}
            value={draft.type}
            onInput={(event) => setDraft({ ...draft, type: event.currentTarget.value })}
          />
        </div>
        <TimeInput
          id="events-since"
          label="Received from"
          value={draft.since}
          onChange={(since) => setDraft({ ...draft, since })}
        />
        <TimeInput
          id="events-until"
          label="Received before"
          value={draft.until}
          onChange={(until) => setDraft({ ...draft, until })}
        />
        <div class="field actions">
          <button type="submit">Search</button>
        </div>
      </form>
      <ListProblem state={state} />
      {state === 'idle' && events.length === 0 && <p>No events found.</p>}
      {events.length > 0 && (
        <table class="activity">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Type</th>
              <th scope="col">Subject</th>
              <th scope="col">Occurred</th>
              <th scope="col">Received</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id} data-event-id={event.id}>
                <td>
                  <a href={href('events', event.id)}>
                    <code>{event.id}</code>
                  </a>
                </td>
                <td>{event.type}</td>
                <td>{event.subject ?? ''}</td>
                <td>
                  <Time iso={event.occurred_at} />
                </td>
                <td>
                  <Time iso={event.received_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ListMore list={list} />
      <p class="muted">
        Deliveries of every event are in the <PageLink to={['deliveries']}>delivery log</PageLink>.
      </p>
    </section>
  );
}
