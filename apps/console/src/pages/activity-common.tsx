import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type ApiClient, type Schemas } from '../api/client';
import { deliveryStatusValues } from '../api/schema';
import { href } from '../routes';

/** What a page loading one thing from the API shows: the thing, or why there is none. */
export type Loaded<T> =
  | { status: 'loading' }
  /** 404: not the tenant's, never was, or (`expired`) purged by the retention. */
  | { status: 'missing'; expired: boolean }
  | { status: 'failed'; message: string }
  | { status: 'ready'; value: T };

export type DeliveryStatus = Schemas['Delivery']['status'];

/** In the document's order, which is the domain's (libs/domain lists them once). */
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = deliveryStatusValues;

/** Statuses that will change by themselves: a page showing one refreshes until it settles. */
export function inFlight(status: DeliveryStatus): boolean {
  return status === 'pending' || status === 'retrying';
}

/** The outcome of a call that answered no data: `missing` on 404, else the API's message. */
export function failure(error: unknown, response: Response): Loaded<never> {
  if (response.status !== 404) return { status: 'failed', message: errorMessage(error, response) };
  const code = (error as { error?: { code?: string } } | undefined)?.error?.code;
  return { status: 'missing', expired: code === 'expired' };
}

export const UNREACHABLE = 'Herald could not be reached.';

/** One record as the API client answers it. */
export interface RecordAnswer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * One record read from the API when the page opens (and when `deps` change): what it is so far, and
 * a function that reads it again.
 */
export function useLoaded<T>(
  fetchRecord: () => Promise<RecordAnswer<T>>,
  deps: readonly unknown[],
): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ status: 'loading' });
  const load = () => {
    fetchRecord()
      .then(({ data, error, response }) =>
        setLoaded(data ? { status: 'ready', value: data } : failure(error, response)),
      )
      .catch(() => setLoaded({ status: 'failed', message: UNREACHABLE }));
  };
  useEffect(load, deps);
  return [loaded, load];
}

/**
 * A `datetime-local` input's value (the browser's local time, no zone) as the ISO 8601 instant the
 * API asks for; undefined when empty or not a time.
 */
export function localToIso(local: string): string | undefined {
  if (!local) return undefined;
  const time = new Date(local);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** A time from the API, readable, with the exact instant kept in `datetime`. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span class="muted">—</span>;
  const time = new Date(iso);
  return (
    <time dateTime={iso} title={iso}>
      {Number.isNaN(time.getTime()) ? iso : time.toLocaleString()}
    </time>
  );
}

export function StatusTag({ status }: { status: string }) {
  return <span class={`tag status status-${status}`}>{status}</span>;
}

/** A link to another console page, by route and parts. */
export function PageLink({ to, children }: { to: string[]; children: ComponentChildren }) {
  const [page = '', ...parts] = to;
  return <a href={href(page, ...parts)}>{children}</a>;
}

/** What an action answered, announced to screen readers as it appears. */
export function ActionResult({ result }: { result: ActionOutcome | null }) {
  if (!result) return null;
  if ('error' in result) {
    return (
      <p role="alert" class="error">
        {result.error}
      </p>
    );
  }
  return (
    <div role="status" class="result">
      {result.done}
    </div>
  );
}

export type ActionOutcome = { done: ComponentChildren } | { error: string };

/** What an action button needs: whether its action runs, and what the last one came to. */
export interface Action<R> {
  busy: boolean;
  /** What the last action came to (null: nothing to say). */
  result: R | null;
  /** Runs `act` (its buttons disabled meanwhile) and keeps what it came to. */
  run: (act: () => Promise<R | null>) => Promise<void>;
}

/** The state of an action whose outcome is shown by `ActionResult`. */
export function useActionOutcome(): Action<ActionOutcome> {
  return useAction<ActionOutcome>({ error: UNREACHABLE });
}

/** The page of one record, `#/<list>/<id>`. */
export interface RecordPageProps {
  client: ApiClient;
  id: string;
  readOnly: boolean;
}

/** An action's state; `unreachable` is what it came to when Herald could not be reached. */
export function useAction<R>(unreachable: R): Action<R> {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<R | null>(null);
  const run = async (act: () => Promise<R | null>) => {
    setBusy(true);
    setResult(null);
    try {
      setResult(await act());
    } catch {
      setResult(unreachable);
    } finally {
      setBusy(false);
    }
  };
  return { busy, result, run };
}

/** A label and a `datetime-local` input. */
export function TimeInput({
  id,
  label,
  value,
  onChange,
  required = false,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        name={id}
        type="datetime-local"
        step={1}
        required={required}
        value={value}
        onInput={(event) => onChange(event.currentTarget.value)}
      />
    </div>
  );
}

type Subscription = Schemas['Subscription'];

/** The subscription's name for a person: its description, else its id. */
function subscriptionName(subscription: Subscription): string {
  const id = subscription.id ?? '';
  return subscription.description ? `${subscription.description} (${id})` : id;
}

/**
 * A label and a select of the tenant's subscriptions (the first hundred), with `anyLabel` as the
 * empty choice; an id chosen elsewhere (a link's preset) stays a choice when it is not among them.
 */
export function SubscriptionSelect({
  client,
  id,
  label,
  value,
  onChange,
  anyLabel,
  required = false,
}: {
  client: ApiClient;
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  anyLabel: string;
  required?: boolean;
}) {
  const [subscriptions, setSubscriptions] = useState<Subscription[]>([]);
  useEffect(() => {
    let current = true;
    client
      .GET('/v1/subscriptions', { params: { query: { limit: 100 } } })
      .then(({ data }) => {
        if (current && data) setSubscriptions(data.data);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [client]);
  const known = value === '' || subscriptions.some((subscription) => subscription.id === value);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        name={id}
        required={required}
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
      >
        <option value="">{anyLabel}</option>
        {!known && <option value={value}>{value}</option>}
        {subscriptions.map((subscription) => (
          <option key={subscription.id} value={subscription.id ?? ''}>
            {subscriptionName(subscription)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Hands `text` to the browser as a file download, without navigating away. */
export function download(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by now; revoking later keeps slow browsers safe.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Calls `reload` again after a pause while `active`, so a page follows deliveries in flight. */
export function useRefreshWhile(active: boolean, reload: () => void, everyMs = 1500): void {
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(reload, everyMs);
    return () => clearTimeout(timer);
  });
}

/**
 * What a page of one record shows until the record is ready: loading, not found (or purged by the
 * retention) with a link to the list, or why it could not be loaded. Null once it is ready.
 */
export function NotLoaded<T>({
  loaded,
  noun,
  id,
  list,
  listLabel,
}: {
  loaded: Loaded<T>;
  /** `Delivery`, `Event`. */
  noun: string;
  id: string;
  list: string;
  listLabel: string;
}) {
  switch (loaded.status) {
    case 'loading':
      return <p aria-live="polite">Loading…</p>;
    case 'missing':
      return (
        <section aria-labelledby="page-title">
          <h1 id="page-title">{noun} not found</h1>
          <p>
            No {noun.toLowerCase()} <code>{id}</code> here
            {loaded.expired
              ? ': its history is older than the retention and was purged.'
              : '.'}{' '}
            <PageLink to={[list]}>{listLabel}</PageLink>
          </p>
        </section>
      );
    case 'failed':
      return (
        <section aria-labelledby="page-title">
          <h1 id="page-title">{noun}</h1>
          <p role="alert" class="error">
            {loaded.message}
          </p>
        </section>
      );
    case 'ready':
      return null;
  }
}

/** What a row of a delivery table shows: a delivery of the log, or of one event. */
type DeliveryRow = Pick<
  Schemas['EventDelivery'],
  'id' | 'subscription_id' | 'origin' | 'status' | 'attempts' | 'created_at'
> &
  Partial<Pick<Schemas['Delivery'], 'event_id' | 'event_type'>> &
  Pick<Schemas['EventDelivery'], 'next_attempt_at' | 'last_attempt_at'>;

/**
 * Deliveries as a table, each linked to its page and its subscription's log; with its event when
 * the rows carry one, and when the next attempt is due (the log) or when the last was made (an
 * event's page).
 */
export function DeliveryTable({
  deliveries,
  time,
}: {
  deliveries: readonly DeliveryRow[];
  time: 'next' | 'last';
}) {
  const withEvent = deliveries.some((delivery) => delivery.event_id !== undefined);
  return (
    <table class="activity deliveries">
      <thead>
        <tr>
          <th scope="col">Delivery</th>
          {withEvent && <th scope="col">Event</th>}
          <th scope="col">Subscription</th>
          <th scope="col">Origin</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Created</th>
          <th scope="col">{time === 'next' ? 'Next attempt' : 'Last attempt'}</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((delivery) => (
          <tr key={delivery.id} data-delivery-id={delivery.id}>
            <td>
              <a href={href('deliveries', delivery.id)}>
                <code>{delivery.id}</code>
              </a>
            </td>
            {withEvent && (
              <td>
                <a href={href('events', delivery.event_id ?? '')}>{delivery.event_type}</a>
              </td>
            )}
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
              <Time iso={time === 'next' ? delivery.next_attempt_at : delivery.last_attempt_at} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
