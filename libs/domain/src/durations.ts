const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `5s`, `2m`, `1h`, `5d`; returns null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2]];
}

/** Parses a comma-separated retry schedule such as `5s,30s,2m`; returns null on any bad entry. */
export function parseSchedule(text: string): number[] | null {
  const parts = text.split(',').filter((part) => part.trim() !== '');
  if (parts.length === 0) return null;
  const delays = parts.map(parseDuration);
  return delays.every((delay): delay is number => delay !== null && delay > 0) ? delays : null;
}

/** The shortest text that names a delay exactly, used in retry topic names: `30000` → `30s`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
