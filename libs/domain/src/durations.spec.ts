import { formatDuration, parseDuration, parseSchedule } from './durations';

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['5d', 432_000_000],
    ['5', null],
    ['5 weeks', null],
    ['-5s', null],
  ])('parses %s as %s', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  it('parses the default schedule to ten delays spanning about two days', () => {
    const schedule = parseSchedule('5s,30s,2m,10m,30m,1h,3h,6h,12h,24h');
    expect(schedule).toHaveLength(10);
    const total = (schedule ?? []).reduce((sum, delay) => sum + delay, 0);
    expect(total / 3_600_000).toBeCloseTo(46.7, 1);
  });

  it('refuses a schedule with a bad or zero entry', () => {
    expect(parseSchedule('5s,soon')).toBeNull();
    expect(parseSchedule('0s')).toBeNull();
    expect(parseSchedule('')).toBeNull();
  });

  it.each([
    [5000, '5s'],
    [120_000, '2m'],
    [86_400_000, '1d'],
    [1500, '1500ms'],
  ])('names %s ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
