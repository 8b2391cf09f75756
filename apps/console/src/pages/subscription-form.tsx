import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Schemas } from '../api/client';
import { go, href } from '../routes';
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
        <div class="sub-field">
          <label for="subscription-other-types">Other event types or patterns</label>
          <input
            id="subscription-other-types"
            type="text"
            spellcheck={false}
            aria-describedby="subscription-other-types-help"
            value={values.otherTypes}
            onInput={(event) => set({ otherTypes: event.currentTarget.value })}
          />
          <small id="subscription-other-types-help" class="sub-help">
            Separated by commas: types not in the catalog yet, or patterns such as meter_data.* or *
            (every type).
          </small>
        </div>
      </fieldset>

      <fieldset>
        <legend>What is delivered</legend>
        <div class="sub-field">
          <label for="subscription-filter">Filter (JSON)</label>
          <textarea
            id="subscription-filter"
            rows={4}
            spellcheck={false}
            aria-describedby="subscription-filter-help"
            value={values.filter}
            onInput={(event) => set({ filter: event.currentTarget.value })}
          />
          <small id="subscription-filter-help" class="sub-help">
            A predicate over subject and data paths, as a JSON object; empty for none.
          </small>
        </div>
        <div class="sub-field">
          <label for="subscription-trigger-fields">Trigger fields</label>
          <input
            id="subscription-trigger-fields"
            type="text"
            spellcheck={false}
            aria-describedby="subscription-trigger-fields-help"
            value={values.triggerFields}
            onInput={(event) => set({ triggerFields: event.currentTarget.value })}
          />
          <small id="subscription-trigger-fields-help" class="sub-help">
            Fire only when one of these dotted fields changed (e.g. project.address, model.*),
            separated by commas; empty for the event type’s defaults.
          </small>
        </div>
        <div class="sub-field">
          <label for="subscription-payload-fields">Payload fields</label>
          <input
            id="subscription-payload-fields"
            type="text"
            spellcheck={false}
            aria-describedby="subscription-payload-fields-help"
            value={values.payloadFields}
            onInput={(event) => set({ payloadFields: event.currentTarget.value })}
          />
          <small id="subscription-payload-fields-help" class="sub-help">
            Fields of data to deliver, separated by commas; empty for the event type’s defaults.
          </small>
        </div>
        <div class="sub-field">
          <label for="subscription-transformation">Transformation (JSONata)</label>
          <textarea
            id="subscription-transformation"
            rows={3}
            spellcheck={false}
            aria-describedby="subscription-transformation-help"
            value={values.transformation}
            onInput={(event) => set({ transformation: event.currentTarget.value })}
          />
          <small id="subscription-transformation-help" class="sub-help">
            Shapes the delivered body; empty uses the event type’s transformation, if any.
          </small>
        </div>
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
        <div class="sub-field">
          <label for="subscription-max-in-flight">Max in flight</label>
          <input
            id="subscription-max-in-flight"
            type="number"
            min={1}
            max={128}
            step={1}
            aria-describedby="subscription-max-in-flight-help"
            value={values.maxInFlight}
            onInput={(event) => set({ maxInFlight: event.currentTarget.value })}
          />
          <small id="subscription-max-in-flight-help" class="sub-help">
            Best-effort deliveries at once, 1 to 128; empty for the default, 32.
          </small>
        </div>
        <div class="sub-field">
          <label for="subscription-rate-limit">Rate limit (per second)</label>
          <input
            id="subscription-rate-limit"
            type="number"
            min={1}
            max={100000}
            step={1}
            aria-describedby="subscription-rate-limit-help"
            value={values.rateLimit}
            onInput={(event) => set({ rateLimit: event.currentTarget.value })}
          />
          <small id="subscription-rate-limit-help" class="sub-help">
            At most this many deliveries a second, 1 to 100,000; empty for no limit.
          </small>
        </div>
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
        <div class="sub-field">
          <label for="subscription-metadata">Metadata (JSON)</label>
          <textarea
            id="subscription-metadata"
            rows={3}
            spellcheck={false}
            aria-describedby="subscription-metadata-help"
            value={values.metadata}
            onInput={(event) => set({ metadata: event.currentTarget.value })}
          />
          <small id="subscription-metadata-help" class="sub-help">
            Your own JSON object, at most 4 KiB, readable by the transformation; empty for none.
          </small>
        </div>
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
