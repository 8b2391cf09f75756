import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { useAction } from './activity-common';
import { apiProblem, ProblemAlert, UNREACHABLE, type Problem } from './subscription-problems';

type Shown =
  | { kind: 'hidden' }
  | { kind: 'revealed'; secret: string }
  | { kind: 'rotated'; secret: string; previousExpiresAt: string };

/** The signing secret: shown only when asked for, and a rotation's new one shown once. */
export function SubscriptionSecret({ client, id }: { client: ApiClient; id: string }) {
  const [shown, setShown] = useState<Shown>({ kind: 'hidden' });
  const [confirming, setConfirming] = useState(false);
  const { busy, result: problem, run } = useAction<Problem>(UNREACHABLE);

  const reveal = () =>
    run(async () => {
      const { data, error, response } = await client.GET('/v1/subscriptions/{id}/secret', {
        params: { path: { id } },
      });
      if (!data) return apiProblem(error, response);
      setShown({ kind: 'revealed', secret: data.secret });
      return null;
    });

  const rotate = () =>
    run(async () => {
      setConfirming(false);
      const { data, error, response } = await client.POST('/v1/subscriptions/{id}/secret/rotate', {
        params: { path: { id } },
        body: {},
      });
      if (!data) return apiProblem(error, response);
      setShown({
        kind: 'rotated',
        secret: data.secret,
        previousExpiresAt: data.previous_secret_expires_at,
      });
      return null;
    });

  return (
    <section class="sub-panel" aria-labelledby="subscription-secret-title">
      <h2 id="subscription-secret-title">Signing secret</h2>
      {shown.kind === 'hidden' ? (
        <p>Receivers check each request’s signature with this secret.</p>
      ) : (
        <dl class="sub-details">
          <dt>{shown.kind === 'rotated' ? 'New secret' : 'Secret'}</dt>
          <dd class="sub-secret" data-testid="signing-secret">
            {shown.secret}
          </dd>
          {shown.kind === 'rotated' && (
            <>
              <dt>Previous secret signs until</dt>
              <dd>{shown.previousExpiresAt}</dd>
            </>
          )}
        </dl>
      )}
      <div class="sub-actions">
        {shown.kind === 'hidden' ? (
          <button type="button" disabled={busy} onClick={() => void reveal()}>
            Reveal secret
          </button>
        ) : (
          <button type="button" onClick={() => setShown({ kind: 'hidden' })}>
            Hide secret
          </button>
        )}
        {confirming ? (
          <>
            <span id="rotate-question">
              Rotate the secret? The current one keeps signing for a day beside the new one.
            </span>
            <button
              type="button"
              disabled={busy}
              aria-describedby="rotate-question"
              onClick={() => void rotate()}
            >
              Yes, rotate
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Do not rotate
            </button>
          </>
        ) : (
          <button type="button" disabled={busy} onClick={() => setConfirming(true)}>
            Rotate secret
          </button>
        )}
      </div>
      <ProblemAlert problem={problem} />
    </section>
  );
}
