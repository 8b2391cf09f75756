import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from './page-props';
import { JsonText } from './subscription-json-text';
import { loadEventTypes, type EventType } from './subscription-event-types';
import { ProblemAlert, UNREACHABLE, type Problem } from './subscription-problems';
import './subscriptions.css';

const listText = (list: string[] | null): string =>
  list && list.length > 0 ? list.join(', ') : 'none';

function EventTypeEntry({ type }: { type: EventType }) {
  const titleId = `event-type-${type.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <article class="sub-event-type" aria-labelledby={titleId} data-event-type={type.name}>
      <h2 id={titleId}>
        <code>{type.name}</code>
        {type.archived_at && (
          <>
            {' '}
            <span class="badge">archived</span>
          </>
        )}
      </h2>
      <p>{type.description || 'No description.'}</p>
      <dl class="sub-details">
        {type.archived_at && (
          <>
            <dt>Archived</dt>
            <dd>{type.archived_at}</dd>
          </>
        )}
        <dt>Default trigger fields</dt>
        <dd>{listText(type.trigger_fields)}</dd>
        <dt>Default payload fields</dt>
        <dd>{listText(type.payload_fields)}</dd>
        <dt>Transformation</dt>
        <dd>{type.transformation ? <pre class="sub-json">{type.transformation}</pre> : 'none'}</dd>
        <dt>JSON Schema</dt>
        <dd data-testid="event-type-schema">
          <JsonText value={type.schema} />
        </dd>
        <dt>{(type.examples ?? []).length > 1 ? 'Examples' : 'Example'}</dt>
        <dd data-testid="event-type-examples">
          {(type.examples ?? []).length === 0
            ? 'none'
            : (type.examples ?? []).map((example, index) => (
                <JsonText key={index} value={example} />
              ))}
        </dd>
        <dt>Created</dt>
        <dd>{type.created_at}</dd>
        <dt>Updated</dt>
        <dd>{type.updated_at}</dd>
      </dl>
    </article>
  );
}

/** The event type catalog: each type's description, JSON Schema and examples, as text. */
export function EventTypesPage({ client }: PageProps) {
  const [includeArchived, setIncludeArchived] = useState(false);
  const [types, setTypes] = useState<EventType[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    setTypes(null);
    setProblem(null);
    loadEventTypes(client, includeArchived)
      .then((loaded) => {
        if ('problem' in loaded) setProblem(loaded.problem);
        else setTypes(loaded.types);
      })
      .catch(() => setProblem(UNREACHABLE));
  }, [client, includeArchived]);

  return (
    <section aria-labelledby="page-title">
      <div class="sub-page-head">
        <h1 id="page-title">Event types</h1>
        <div class="sub-check">
          <input
            id="event-types-archived"
            type="checkbox"
            checked={includeArchived}
            onChange={(event) => setIncludeArchived(event.currentTarget.checked)}
          />
          <label for="event-types-archived">Show archived types</label>
        </div>
      </div>
      <ProblemAlert problem={problem} />
      {types === null && !problem && <p aria-live="polite">Loading…</p>}
      {types?.length === 0 && <p>No event types yet.</p>}
      {types?.map((type) => (
        <EventTypeEntry key={type.name} type={type} />
      ))}
    </section>
  );
}
