import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Schemas } from '../api/client';
import { href } from '../routes';
import { TextField } from './form-field';
import type { Subscription } from './subscription-form-state';
import { apiProblem, ProblemAlert, UNREACHABLE, type Problem } from './subscription-problems';

type TestResult = Schemas['TestDeliveryResult'];
type TestRequest = Schemas['TestDeliveryRequest'];

/** How often, and how long, a test delivery still under way is looked at for its first attempt. */
const POLL_MS = 1000;
const POLL_FOR_MS = 120_000;

/** The test event's payload: JSON, or left out for the catalog's example. */
function parseData(text: string): { data?: unknown } | { problem: Problem } {
  if (text.trim() === '') return {};
  try {
    return { data: JSON.parse(text) as unknown };
  } catch {
    return { problem: { message: 'The data is not JSON.', details: [] } };
  }
}

function Attempt({ result }: { result: TestResult }) {
  const { delivery, attempt } = result;
  return (
    <div class="sub-test-result" aria-live="polite" data-testid="test-attempt">
      <h3>Result</h3>
      <dl class="sub-details">
        <dt>Delivery</dt>
        <dd>
          <a href={href('deliveries', delivery.id)}>
            <code>{delivery.id}</code>
          </a>
        </dd>
        <dt>Delivery status</dt>
        <dd>{delivery.status}</dd>
        {attempt ? (
          <>
            <dt>Attempt</dt>
            <dd>{attempt.outcome}</dd>
            <dt>Status code</dt>
            <dd data-testid="test-status-code">{attempt.status_code ?? 'none'}</dd>
            <dt>Duration</dt>
            <dd>{attempt.duration_ms} ms</dd>
            <dt>Error</dt>
            <dd>
              {attempt.error_class
                ? `${attempt.error_class}: ${attempt.error_message ?? ''}`
                : (attempt.error_message ?? 'none')}
            </dd>
            <dt>Response</dt>
            <dd>
              {attempt.response_excerpt ? (
                <pre class="sub-json">{attempt.response_excerpt}</pre>
              ) : (
                'empty'
              )}
            </dd>
          </>
        ) : (
          <>
            <dt>Attempt</dt>
            <dd>still under way…</dd>
          </>
        )}
      </dl>
    </div>
  );
}

/** Sends a test event to this subscription alone, and shows its first attempt. */
export function SubscriptionTest({
  client,
  subscription,
}: {
  client: ApiClient;
  subscription: Subscription;
}) {
  const id = subscription.id ?? '';
  const [eventType, setEventType] = useState('');
  const [data, setData] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [result, setResult] = useState<TestResult | null>(null);

  // Answered 202: the first attempt is not made yet; it shows here once the delivery has it.
  const pendingId = result && !result.attempt ? result.delivery.id : null;
  useEffect(() => {
    if (!pendingId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = Date.now() + POLL_FOR_MS;
    const later = () => {
      if (!stopped && Date.now() < deadline) {
        timer = setTimeout(() => void look().catch(later), POLL_MS);
      }
    };
    const look = async () => {
      const { data } = await client.GET('/v1/deliveries/{id}', {
        params: { path: { id: pendingId } },
      });
      const [first] = data?.attempts ?? [];
      if (stopped) return;
      if (data && first) {
        setResult({ delivery: { ...data, attempts: data.attempts.length }, attempt: first });
      } else later();
    };
    later();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, pendingId]);

  const send = async (event: Event) => {
    event.preventDefault();
    const parsed = parseData(data);
    if ('problem' in parsed) {
      setProblem(parsed.problem);
      return;
    }
    setBusy(true);
    setProblem(null);
    setResult(null);
    try {
      const body: TestRequest = {
        ...(eventType.trim() ? { event_type: eventType.trim() } : {}),
        ...('data' in parsed ? { data: parsed.data as TestRequest['data'] } : {}),
      };
      const answer = await client.POST('/v1/subscriptions/{id}/test', {
        params: { path: { id } },
        body,
      });
      if (answer.data) setResult(answer.data);
      else setProblem(apiProblem(answer.error, answer.response));
    } catch {
      setProblem(UNREACHABLE);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="sub-panel" aria-labelledby="subscription-test-title">
      <h2 id="subscription-test-title">Send a test event</h2>
      <form class="subscription-form" noValidate onSubmit={(event) => void send(event)}>
        <div class="sub-field">
          <label for="test-event-type">Event type</label>
          <input
            id="test-event-type"
            type="text"
            spellcheck={false}
            list="test-event-types"
            aria-describedby="test-event-type-help"
            value={eventType}
            onInput={(event) => setEventType(event.currentTarget.value)}
          />
          <datalist id="test-event-types">
            {(subscription.event_types ?? [])
              .filter((type) => !type.includes('*'))
              .map((type) => (
                <option key={type} value={type} />
              ))}
          </datalist>
          <small id="test-event-type-help" class="sub-help">
            Empty: the first of the subscription’s event types with an example in the catalog.
          </small>
        </div>
        <TextField
          id="test-data"
          label="Data (JSON)"
          help="Empty: the event type’s first example, or {}."
          rows={3}
          value={data}
          onValue={setData}
        />
        <div class="sub-actions">
          <button type="submit" disabled={busy}>
            Send test event
          </button>
          {busy && <span aria-live="polite">Sending…</span>}
        </div>
      </form>
      <ProblemAlert problem={problem} />
      {result && <Attempt result={result} />}
    </section>
  );
}
