import { HandlingSummary, type HandlingWindow } from './handling-summary';

describe('HandlingSummary', () => {
  it('reports one line per window with counts by outcome and percentiles, when the next message comes', () => {
    let now = 0;
    const lines: HandlingWindow[] = [];
    const summary = new HandlingSummary(
      (line) => lines.push(line),
      10_000,
      () => now,
    );
    for (let i = 1; i <= 100; i++) summary.record(i === 100 ? 'retry' : 'ack', i / 1000);
    now = 9_999;
    summary.record('ack', 0.001);
    expect(lines).toEqual([]);
    now = 10_000;
    summary.record('dead_letter', 0.002);
    expect(lines).toEqual([
      {
        window_s: 10,
        handled: 101,
        outcomes: { ack: 100, retry: 1 },
        p50_ms: 50,
        p99_ms: 99,
        max_ms: 100,
      },
    ]);
  });

  it('says nothing of a window in which nothing was handled', () => {
    let now = 0;
    const lines: HandlingWindow[] = [];
    const summary = new HandlingSummary(
      (line) => lines.push(line),
      1_000,
      () => now,
    );
    now = 5_000;
    summary.record('ack', 0.001);
    expect(lines).toEqual([]);
    now = 6_500;
    summary.record('ack', 0.001);
    expect(lines).toEqual([
      { window_s: 1.5, handled: 1, outcomes: { ack: 1 }, p50_ms: 1, p99_ms: 1, max_ms: 1 },
    ]);
  });
});
