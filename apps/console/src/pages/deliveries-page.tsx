import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type ApiClient, type Schemas } from '../api/client';
import {
  DELIVERY_STATUSES,
  DeliveryTable,
  download,
  localToIso,
  SubscriptionSelect,
  TimeInput,
  UNREACHABLE,
  type ActionOutcome,
  ActionResult,
} from './activity-common';
import { ListMore, ListProblem, usePagedList } from './paged-list';
import { DeliveryDetail } from './delivery-detail';
import type { PageProps } from './page-props';
import './activity.css';

type Delivery = Schemas['Delivery'];

interface DeliveryFilter {
  status: string;
  subscriptionId: string;
  text: string;
  since: string;
  until: string;
}

/** The last filter of the whole log per signed-in client, so coming back from a delivery keeps it. */
const lastFilter = new WeakMap<ApiClient, DeliveryFilter>();

/** The filter as `GET /v1/deliveries` query parameters, empty ones left out. */
function deliveryQuery(filter: DeliveryFilter) {
  const since = localToIso(filter.since);
  const until = localToIso(filter.until);
  return {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.subscriptionId ? { subscription_id: filter.subscriptionId } : {}),
    ...(filter.text.trim() ? { q: filter.text.trim() } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
}

/**
 * `#/deliveries`: the delivery log; `#/deliveries/subscription/<id>`: the log of one
 * subscription; `#/deliveries/<id>`: one delivery and its attempts.
 */
export function DeliveriesPage({ client, parts, readOnly }: PageProps) {
  const [first, second] = parts;
  if (first === 'subscription') {
    return (
      <DeliveryLog key={`subscription:${second ?? ''}`} client={client} preset={second ?? ''} />
    );
  }
  if (first) return <DeliveryDetail key={first} client={client} id={first} readOnly={readOnly} />;
  return <DeliveryLog key="all" client={client} preset="" />;
}

function DeliveryLog({ client, preset }: { client: ApiClient; preset: string }) {
  const [draft, setDraft] = useState<DeliveryFilter>(
    () =>
      (preset ? undefined : lastFilter.get(client)) ?? {
        status: '',
        subscriptionId: preset,
        text: '',
        since: '',
        until: '',
      },
  );
  const [filter, setFilter] = useState<DeliveryFilter>(draft);
  const [exported, setExported] = useState<ActionOutcome | null>(null);
  const [exporting, setExporting] = useState(false);

  // Without `format=csv` the answer is the JSON page, never the CSV text.
  const list = usePagedList<Delivery>((after) =>
    client.GET('/v1/deliveries', {
      params: {
        query: { ...deliveryQuery(filter), limit: 20, ...(after ? { cursor: after } : {}) },
      },
    }),
  );
  const { items: deliveries, state, show } = list;
  useEffect(() => {
    // A subscription's log (a link's preset) is not the log a person filtered by hand.
    if (!preset) lastFilter.set(client, filter);
    show(null);
  }, [client, filter]);

  /** Every batch of the filter's CSV, one header row, as one file. */
  const exportCsv = async () => {
    setExporting(true);
    setExported(null);
    try {
      let csv = '';
      let rows = 0;
      let after: string | null = null;
      do {
        const batch: {
          data?: string;
          error?: unknown;
          response: Response;
        } = await client.GET('/v1/deliveries', {
          params: {
            query: { ...deliveryQuery(filter), format: 'csv', ...(after ? { cursor: after } : {}) },
          },
          parseAs: 'text',
        });
        if (batch.data === undefined) {
          setExported({ error: errorMessage(batch.error, batch.response) });
          return;
        }
        const lines = batch.data.split('\r\n').filter((line) => line !== '');
        // Each batch starts with the header row; the file keeps the first one only.
        csv += (csv === '' ? lines : lines.slice(1)).map((line) => `${line}\r\n`).join('');
        rows += lines.length - 1;
        after = batch.response.headers.get('x-next-cursor');
      } while (after);
      download(csv, 'deliveries.csv', 'text/csv');
      setExported({ done: `Exported ${rows} ${rows === 1 ? 'delivery' : 'deliveries'} as CSV.` });
    } catch {
      setExported({ error: UNREACHABLE });
    } finally {
      setExporting(false);
    }
  };

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Deliveries</h1>
      <form
        class="filters"
        role="search"
        aria-label="Filter deliveries"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter({ ...draft });
        }}
      >
        <div class="field">
          <label for="deliveries-status">Status</label>
          <select
            id="deliveries-status"
            name="status"
            value={draft.status}
            onChange={(event) => setDraft({ ...draft, status: event.currentTarget.value })}
          >
            <option value="">Any status</option>
            {DELIVERY_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </div>
        <SubscriptionSelect
          client={client}
          id="deliveries-subscription"
          label="Subscription"
          anyLabel="Any subscription"
          value={draft.subscriptionId}
          onChange={(subscriptionId) => setDraft({ ...draft, subscriptionId })}
        />
        <div class="field">
          <label for="deliveries-text">Text</label>
          <input
            id="deliveries-text"
            name="q"
            placeholder="id, event type, error…"
            spellcheck={false}
            value={draft.text}
            onInput={(event) => setDraft({ ...draft, text: event.currentTarget.value })}
          />
        </div>
        <TimeInput
          id="deliveries-since"
          label="Created from"
          value={draft.since}
          onChange={(since) => setDraft({ ...draft, since })}
        />
        <TimeInput
          id="deliveries-until"
          label="Created before"
          value={draft.until}
          onChange={(until) => setDraft({ ...draft, until })}
        />
        <div class="field actions">
          <button type="submit">Filter</button>
          <button type="button" disabled={exporting} onClick={() => void exportCsv()}>
            Export CSV
          </button>
        </div>
      </form>
      <ActionResult result={exported} />
      <ListProblem state={state} />
      {state === 'idle' && deliveries.length === 0 && <p>No deliveries found.</p>}
      {deliveries.length > 0 && <DeliveryTable deliveries={deliveries} time="next" />}
      <ListMore list={list} />
    </section>
  );
}
