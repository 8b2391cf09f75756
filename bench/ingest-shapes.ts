/** The inbound events the ingest benches measure, and how they measure. */
export const MAX_BYTES = 256 * 1024;

function event(data: unknown): Buffer {
  return Buffer.from(
    JSON.stringify({
      tenant_id: 'ten_bench',
      type: 'meter_data.received',
      subject: 'node/42',
      data,
    }),
  );
}

export const ingestShapes: [string, Buffer][] = [
  [
    'SolarNetwork datum (~300 B)',
    event({ nodeId: 42, sourceId: '/site-1/inv-1', watts: 1234, wattHours: 98765, status: 'ok' }),
  ],
  [
    'Openvolt meter list (~10 KB)',
    event({
      meters: Array.from({ length: 100 }, (_, i) => ({
        meter_id: `m-${i}`,
        start_interval: '2024-05-01T00:00:00Z',
        end_interval: '2024-05-02T00:00:00Z',
      })),
    }),
  ],
  [
    'large event (~200 KB)',
    event({
      rows: Array.from({ length: 2000 }, (_, i) => ({ id: i, note: `reading ${i} — ok ☀`, v: i })),
    }),
  ],
];

/** µs per call of `run`, after a warm-up, over at least `minMs`. */
export function measure(run: () => void, minMs = 1000): number {
  for (let i = 0; i < 100; i++) run();
  let count = 0;
  const started = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < minMs) {
    for (let i = 0; i < 100; i++) run();
    count += 100;
    elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  }
  return (elapsedMs * 1000) / count;
}
