import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type ApiClient, type Schemas } from '../api/client';
import './stats.css';

type Stats = Schemas['SubscriptionStats'];
type Bucket = Schemas['SubscriptionStatsBucket'];
type Window = Stats['window'];
type Outcome = Schemas['Delivery']['status'];

const WINDOWS: { value: Window; label: string }[] = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
];

/** Stacked bottom to top, in this order; each has its colour in stats.css. */
const OUTCOMES: { key: Outcome; label: string }[] = [
  { key: 'succeeded', label: 'Succeeded' },
  { key: 'retrying', label: 'Retrying' },
  { key: 'pending', label: 'Pending' },
  { key: 'failed', label: 'Failed' },
  { key: 'dead', label: 'Dead-lettered' },
];

const LINES = [
  { key: 'p50', label: 'p50' },
  { key: 'p95', label: 'p95' },
] as const;

// The charts' drawing area, in viewBox units; the SVG scales to the width it is given.
const WIDTH = 640;
const HEIGHT = 180;
const LEFT = 48;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 22;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;

/** The next "round" number at or above `value` (1, 2 or 5 times a power of ten). */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10;
  return step * power;
}

function bucketLabel(start: string, window: Window): string {
  const date = new Date(start);
  if (window === '30d')
    return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  if (window === '7d')
    return date.toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

const BUCKET_TEXT: Record<number, string> = {
  300: '5 minutes',
  3600: 'an hour',
  21600: '6 hours',
  86400: 'a day',
};
const bucketText = (seconds: number): string => BUCKET_TEXT[seconds] ?? `${seconds} seconds`;

const ms = (value: number | null): string => (value === null ? '—' : `${Math.round(value)} ms`);

function YAxis({ max, unit }: { max: number; unit: string }) {
  return (
    <g class="axis" aria-hidden="true">
      {[0, max / 2, max].map((value) => {
        const y = TOP + PLOT_H - (value / max) * PLOT_H;
        return (
          <g key={value}>
            <line class="grid" x1={LEFT} x2={WIDTH - RIGHT} y1={y} y2={y} />
            {Number.isInteger(value) && (
              <text x={LEFT - 6} y={y + 4} text-anchor="end">
                {`${value}${unit}`}
              </text>
            )}
          </g>
        );
      })}
    </g>
  );
}

function XAxis({ buckets, window }: { buckets: Bucket[]; window: Window }) {
  const last = buckets.length - 1;
  const marks = [0, Math.floor(last / 2), last].filter((i, n, all) => all.indexOf(i) === n);
  const step = PLOT_W / buckets.length;
  return (
    <g class="axis" aria-hidden="true">
      {marks.map((i) => (
        <text
          key={i}
          x={LEFT + step * i + step / 2}
          y={HEIGHT - 6}
          text-anchor={i === 0 ? 'start' : i === last ? 'end' : 'middle'}
        >
          {bucketLabel(buckets[i].start, window)}
        </text>
      ))}
    </g>
  );
}

function OutcomeChart({ stats, label }: { stats: Stats; label: string }) {
  const max = niceCeiling(Math.max(...stats.buckets.map((b) => b.deliveries)));
  const step = PLOT_W / stats.buckets.length;
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={label}
      data-chart="outcomes"
    >
      <YAxis max={max} unit="" />
      {stats.buckets.map((bucket, i) => {
        let base = TOP + PLOT_H;
        return (
          <g key={bucket.start}>
            {OUTCOMES.filter(({ key }) => bucket[key] > 0).map(({ key, label: name }) => {
              const height = (bucket[key] / max) * PLOT_H;
              base -= height;
              return (
                <rect
                  key={key}
                  class={`bar outcome-${key}`}
                  data-outcome={key}
                  x={LEFT + step * i + step * 0.1}
                  y={base}
                  width={step * 0.8}
                  height={height}
                >
                  <title>{`${bucketLabel(bucket.start, stats.window)}: ${bucket[key]} ${name.toLowerCase()}`}</title>
                </rect>
              );
            })}
          </g>
        );
      })}
      <XAxis buckets={stats.buckets} window={stats.window} />
    </svg>
  );
}

/** Points of one percentile's line, split where a bucket has no successful delivery. */
function segments(buckets: Bucket[], key: 'p50' | 'p95', max: number): [number, number][][] {
  const step = PLOT_W / buckets.length;
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  buckets.forEach((bucket, i) => {
    const value = bucket.latency_ms[key];
    if (value === null) {
      if (run.length > 0) runs.push(run);
      run = [];
      return;
    }
    run.push([LEFT + step * i + step / 2, TOP + PLOT_H - (value / max) * PLOT_H]);
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

function LatencyChart({ stats, label }: { stats: Stats; label: string }) {
  const highest = Math.max(
    0,
    ...stats.buckets.map((b) => b.latency_ms.p95 ?? b.latency_ms.p50 ?? 0),
  );
  const max = niceCeiling(highest);
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={label}
      data-chart="latency"
    >
      <YAxis max={max} unit=" ms" />
      {LINES.map(({ key }) =>
        segments(stats.buckets, key, max).map((points, n) =>
          points.length === 1 ? (
            <circle
              key={`${key}-${n}`}
              class={`point latency-${key}`}
              data-line={key}
              cx={points[0][0]}
              cy={points[0][1]}
              r={3}
            />
          ) : (
            <polyline
              key={`${key}-${n}`}
              class={`line latency-${key}`}
              data-line={key}
              points={points.map(([x, y]) => `${x},${y}`).join(' ')}
            />
          ),
        ),
      )}
      <XAxis buckets={stats.buckets} window={stats.window} />
    </svg>
  );
}

function Legend({ items }: { items: { key: string; label: string }[] }) {
  return (
    <ul class="legend" aria-hidden="true">
      {items.map(({ key, label }) => (
        <li key={key}>
          <svg class="swatch" viewBox="0 0 10 10">
            <rect class={key} width="10" height="10" />
          </svg>
          {label}
        </li>
      ))}
    </ul>
  );
}

/** Charts of one subscription's deliveries by outcome and latency over time, with the numbers as text. */
export function SubscriptionStats({
  client,
  subscriptionId,
}: {
  client: ApiClient;
  subscriptionId: string;
}) {
  const [span, setSpan] = useState<Window>('24h');
  const [stats, setStats] = useState<Stats | null>(null);
  const [state, setState] = useState<'loading' | 'idle' | { error: string }>('loading');

  useEffect(() => {
    let current = true;
    setState('loading');
    client
      .GET('/v1/subscriptions/{id}/stats', {
        params: { path: { id: subscriptionId }, query: { window: span } },
      })
      .then(({ data, error, response }) => {
        if (!current) return;
        if (data) {
          setStats(data);
          setState('idle');
        } else setState({ error: errorMessage(error, response) });
      })
      .catch(() => current && setState({ error: 'Herald could not be reached.' }));
    return () => {
      current = false;
    };
  }, [client, subscriptionId, span]);

  const windowLabel = WINDOWS.find((w) => w.value === span)?.label.toLowerCase() ?? span;
  const totals = stats?.totals;
  const selectId = `stats-window-${subscriptionId}`;

  return (
    <section class="stats" aria-labelledby={`stats-title-${subscriptionId}`}>
      <div class="stats-head">
        <h2 id={`stats-title-${subscriptionId}`}>Deliveries and latency</h2>
        <label for={selectId}>Window</label>
        <select
          id={selectId}
          value={span}
          onChange={(event) => setSpan(event.currentTarget.value as Window)}
        >
          {WINDOWS.map(({ value, label }) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {typeof state === 'object' && (
        <p role="alert" class="error">
          {state.error}
        </p>
      )}
      {state === 'loading' && <p aria-live="polite">Loading…</p>}
      {stats && totals && state !== 'loading' && (
        <>
          <dl class="totals" data-totals>
            <div>
              <dt>Deliveries</dt>
              <dd>{totals.deliveries}</dd>
            </div>
            {OUTCOMES.map(({ key, label }) => (
              <div key={key}>
                <dt>{label}</dt>
                <dd>{totals[key]}</dd>
              </div>
            ))}
            <div>
              <dt>Attempts</dt>
              <dd>{totals.attempts}</dd>
            </div>
            <div>
              <dt>Latency p50 / p95 / p99</dt>
              <dd>
                {ms(totals.latency_ms.p50)} / {ms(totals.latency_ms.p95)} /{' '}
                {ms(totals.latency_ms.p99)}
              </dd>
            </div>
          </dl>
          <h3>Deliveries by outcome</h3>
          <Legend items={OUTCOMES.map(({ key, label }) => ({ key: `outcome-${key}`, label }))} />
          <OutcomeChart
            stats={stats}
            label={`Deliveries by outcome, ${windowLabel}, in buckets of ${bucketText(stats.bucket_seconds)}: ${totals.deliveries} deliveries, ${totals.succeeded} succeeded, ${totals.dead} dead-lettered. The table below has every bucket.`}
          />
          <h3>Latency of successful deliveries</h3>
          <Legend items={LINES.map(({ key, label }) => ({ key: `latency-${key}`, label }))} />
          <LatencyChart
            stats={stats}
            label={`Latency from delivery to success, ${windowLabel}: p50 ${ms(totals.latency_ms.p50)}, p95 ${ms(totals.latency_ms.p95)}. The table below has every bucket.`}
          />
          <details class="stats-table">
            <summary>The numbers as a table</summary>
            <table>
              <caption>
                Deliveries and latency, {windowLabel}, a row per {bucketText(stats.bucket_seconds)}
              </caption>
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col">Deliveries</th>
                  {OUTCOMES.map(({ key, label }) => (
                    <th key={key} scope="col">
                      {label}
                    </th>
                  ))}
                  <th scope="col">Attempts</th>
                  <th scope="col">p50</th>
                  <th scope="col">p95</th>
                  <th scope="col">p99</th>
                </tr>
              </thead>
              <tbody>
                {stats.buckets.map((bucket) => (
                  <tr key={bucket.start}>
                    <th scope="row">
                      <time dateTime={bucket.start}>{new Date(bucket.start).toLocaleString()}</time>
                    </th>
                    <td>{bucket.deliveries}</td>
                    {OUTCOMES.map(({ key }) => (
                      <td key={key}>{bucket[key]}</td>
                    ))}
                    <td>{bucket.attempts}</td>
                    <td>{ms(bucket.latency_ms.p50)}</td>
                    <td>{ms(bucket.latency_ms.p95)}</td>
                    <td>{ms(bucket.latency_ms.p99)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}
