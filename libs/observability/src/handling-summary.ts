/** What a summary line says of one window of handled messages. */
export interface HandlingWindow {
  window_s: number;
  handled: number;
  /** Messages by outcome: ack, retry, defer, dead_letter, error. */
  outcomes: Record<string, number>;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Durations kept per window for the percentiles; beyond it the window is sampled. */
const SAMPLES = 4096;

/**
 * Counts what a consumer group handles and reports it once per window (10 s by default) as one
 * line, so per-message lines can stay at debug. The line is written when the first message after
 * the window's end is recorded: an idle consumer writes nothing, and nothing needs stopping.
 */
export class HandlingSummary {
  private outcomes: Record<string, number> = {};
  private handled = 0;
  private durations: number[] = [];
  private started: number;

  constructor(
    private readonly report: (window: HandlingWindow) => void,
    private readonly everyMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  record(outcome: string, seconds: number): void {
    const now = this.now();
    if (now - this.started >= this.everyMs) this.flush(now);
    this.handled++;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    if (this.durations.length < SAMPLES) this.durations.push(seconds * 1000);
    else {
      const slot = Math.floor(Math.random() * this.handled);
      if (slot < SAMPLES) this.durations[slot] = seconds * 1000;
    }
  }

  private flush(now: number): void {
    if (this.handled > 0) {
      const sorted = this.durations.sort((a, b) => a - b);
      const at = (q: number) =>
        round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
      this.report({
        window_s: round((now - this.started) / 1000),
        handled: this.handled,
        outcomes: this.outcomes,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        max_ms: round(sorted[sorted.length - 1]),
      });
    }
    this.outcomes = {};
    this.handled = 0;
    this.durations = [];
    this.started = now;
  }
}

const round = (value: number): number => Math.round(value * 10) / 10;
