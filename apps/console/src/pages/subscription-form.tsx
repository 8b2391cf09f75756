import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Schemas } from '../api/client';
import { go, href } from '../routes';
import { TextField } from './form-field';
import { DestinationFields } from './subscription-destination-fields';
import { loadEventTypes, type EventType } from './subscription-event-types';
import {
  EMPTY_FORM,
  formValues,
  subscriptionBody,
  type SubscriptionFormValues,
} from './subscription-form-state';
import { apiProblem, ProblemAlert, UNREACHABLE, type Problem } from './subscription-problems';
import './subscriptions.css';

type Descriptor = Schemas['DestinationTypeDescriptor'];
type Loaded =
  | { state: 'loading' }
  | { state: 'not_found' }
  | { state: 'failed'; problem: Problem }
  | { state: 'ready'; descriptors: Descriptor[]; catalog: EventType[] };

// The body is the form's as typed, which may be what the API refuses (text where a number belongs,
// a destination missing a setting): the API, not the console, names each problem, as it would for
// any client. So it is handed to the typed client as is.
type UncheckedBody = never;

/** Create (`id` null) or edit a subscription; on success, its page. */
export function SubscriptionForm({ client, id }: { client: ApiClient; id: string | null }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [values, setValues] = useState<SubscriptionFormValues>(EMPTY_FORM);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const load = async (): Promise<Loaded> => {
      const [destinations, catalog, subscription] = await Promise.all([
        client.GET('/v1/destination-types'),
        loadEventTypes(client, false),
        id ? client.GET('/v1/subscriptions/{id}', { params: { path: { id } } }) : null,
      ]);
      if (!destinations.data) {
        return { state: 'failed', problem: apiProblem(destinations.error, destinations.response) };
      }
      if ('problem' in catalog) return { state: 'failed', problem: catalog.problem };
      if (subscription) {
        if (subscription.response.status === 404) return { state: 'not_found' };
        if (!subscription.data) {
          return {
            state: 'failed',
            problem: apiProblem(subscription.error, subscription.response),
          };
        }
        setValues(
          formValues(
            subscription.data,
            catalog.types.map((type) => type.name),
          ),
        );
      }
      return { state: 'ready', descriptors: destinations.data.data, catalog: catalog.types };
    };
    load()
      .then(setLoaded)
      .catch(() => setLoaded({ state: 'failed', problem: UNREACHABLE }));
  }, [client, id]);

  if (loaded.state === 'loading') return <p aria-live="polite">Loading…</p>;
  if (loaded.state === 'not_found') return <p role="alert">Subscription not found.</p>;
  if (loaded.state === 'failed') return <ProblemAlert problem={loaded.problem} />;
  const { descriptors, catalog } = loaded;

  const set = (changes: Partial<SubscriptionFormValues>) =>
    setValues((old) => ({ ...old, ...changes }));

  const submit = async (event: Event) => {
    event.preventDefault();
    const settings = descriptors.find((one) => one.type === values.destinationType)?.settings ?? [];
    const { body, problems } = subscriptionBody(values, settings);
    if (problems.length > 0) {
      setProblem({ message: 'The subscription has problems.', details: problems });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const answer = id
        ? await client.PATCH('/v1/subscriptions/{id}', {
            params: { path: { id } },
            body: body as UncheckedBody,
          })
        : await client.POST('/v1/subscriptions', { body: body as UncheckedBody });
      if (answer.data?.id) go('subscriptions', answer.data.id);
      else setProblem(apiProblem(answer.error, answer.response));
    } catch {
      setProblem(UNREACHABLE);
    } finally {
      setBusy(false);
    }
  };

  const toggleType = (name: string, checked: boolean) =>
    set({
      catalogTypes: checked
        ? [...values.catalogTypes, name]
        : values.catalogTypes.filter((type) => type !== name),
    });

  return (
    <form class="subscription-form" noValidate onSubmit={(event) => void submit(event)}>
      <ProblemAlert problem={problem} id="subscription-problems" />
      <div class="sub-field">
        <label for="subscription-description">Description</label>
        <input
          id="subscription-description"
          type="text"
          maxLength={1000}
          value={values.description}
          onInput={(event) => set({ description: event.currentTarget.value })}
        />
      </div>

      <DestinationFields
        descriptors={descriptors}
        type={values.destinationType}
        values={values.settings[values.destinationType] ?? {}}
        onTypeChange={(type) => set({ destinationType: type })}
        onChange={(settings) =>
          set({ settings: { ...values.settings, [values.destinationType]: settings } })
        }
      />

      <fieldset class="sub-event-types">
        <legend>Event types</legend>
        {catalog.length === 0 && <p>The catalog has no event types yet.</p>}
        <ul class="sub-checklist">
          {catalog.map((type, index) => (
            <li key={type.name}>
              <input
                id={`event-type-${index}`}
                type="checkbox"
                checked={values.catalogTypes.includes(type.name)}
                aria-describedby={type.description ? `event-type-${index}-help` : undefined}
                onChange={(event) => toggleType(type.name, event.currentTarget.checked)}
              />
              <label for={`event-type-${index}`}>
                <code>{type.name}</code>
              </label>
              {type.description && (
                <small id={`event-type-${index}-help`} class="sub-help">
                  {type.description}
                </small>
              )}
            </li>
          ))}
        </ul>
        <TextField
          id="subscription-other-types"
          label="Other event types or patterns"
          help="Separated by commas: types not in the catalog yet, or patterns such as meter_data.* or * (every type)."
          value={values.otherTypes}
          onValue={(otherTypes) => set({ otherTypes })}
        />
      </fieldset>

      <fieldset>
        <legend>What is delivered</legend>
        <TextField
          id="subscription-filter"
          label="Filter (JSON)"
          help="A predicate over subject and data paths, as a JSON object; empty for none."
          value={values.filter}
          onValue={(filter) => set({ filter })}
          rows={4}
        />
        <TextField
          id="subscription-trigger-fields"
          label="Trigger fields"
          help="Fire only when one of these dotted fields changed (e.g. project.address, model.*), separated by commas; empty for the event type’s defaults."
          value={values.triggerFields}
          onValue={(triggerFields) => set({ triggerFields })}
        />
        <TextField
          id="subscription-payload-fields"
          label="Payload fields"
          help="Fields of data to deliver, separated by commas; empty for the event type’s defaults."
          value={values.payloadFields}
          onValue={(payloadFields) => set({ payloadFields })}
        />
        <TextField
          id="subscription-transformation"
          label="Transformation (JSONata)"
          help="Shapes the delivered body; empty uses the event type’s transformation, if any."
          value={values.transformation}
          onValue={(transformation) => set({ transformation })}
          rows={3}
        />
      </fieldset>

      <fieldset>
        <legend>Delivery</legend>
        <div class="sub-field">
          <label for="subscription-ordering">Ordering</label>
          <select
            id="subscription-ordering"
            value={values.ordering}
            aria-describedby="subscription-ordering-help"
            onChange={(event) =>
              set({ ordering: event.currentTarget.value as SubscriptionFormValues['ordering'] })
            }
          >
            <option value="best_effort">Best effort</option>
            <option value="strict">Strict</option>
          </select>
          <small id="subscription-ordering-help" class="sub-help">
            Best effort: several deliveries at once, a failed one retries while later ones go on.
            Strict: one at a time, a failing delivery holds the later ones.
          </small>
        </div>
        <TextField
          id="subscription-max-in-flight"
          label="Max in flight"
          help="Best-effort deliveries at once, 1 to 128; empty for the default, 32."
          value={values.maxInFlight}
          onValue={(maxInFlight) => set({ maxInFlight })}
          range={{ min: 1, max: 128 }}
        />
        <TextField
          id="subscription-rate-limit"
          label="Rate limit (per second)"
          help="At most this many deliveries a second, 1 to 100,000; empty for no limit."
          value={values.rateLimit}
          onValue={(rateLimit) => set({ rateLimit })}
          range={{ min: 1, max: 100000 }}
        />
        <div class="sub-check">
          <input
            id="subscription-enabled"
            type="checkbox"
            checked={values.enabled}
            onChange={(event) => set({ enabled: event.currentTarget.checked })}
          />
          <label for="subscription-enabled">Enabled</label>
        </div>
        <div class="sub-check">
          <input
            id="subscription-debug"
            type="checkbox"
            checked={values.debug}
            aria-describedby="subscription-debug-help"
            onChange={(event) => set({ debug: event.currentTarget.checked })}
          />
          <label for="subscription-debug">Debug</label>
          <small id="subscription-debug-help" class="sub-help">
            Keep the full request and response bodies of attempts.
          </small>
        </div>
      </fieldset>

      <fieldset>
        <legend>Metadata</legend>
        <TextField
          id="subscription-metadata"
          label="Metadata (JSON)"
          help="Your own JSON object, at most 4 KiB, readable by the transformation; empty for none."
          value={values.metadata}
          onValue={(metadata) => set({ metadata })}
          rows={3}
        />
      </fieldset>

      <div class="sub-actions">
        <button type="submit" disabled={busy}>
          {id ? 'Save subscription' : 'Create subscription'}
        </button>
        <a href={id ? href('subscriptions', id) : href('subscriptions')}>Cancel</a>
      </div>
    </form>
  );
}
