import { classifyHttpStatus, parseRetryAfter, type SendResult } from './attempt-outcome';
import { nextStep } from './retry-schedule';

const failed = (overrides: Partial<Extract<SendResult, { ok: false }>> = {}): SendResult => ({
  ok: false,
  failure: 'retryable',
  statusCode: 500,
  message: 'receiver answered 500',
  responseExcerpt: null,
  retryAfterMs: null,
  gone: false,
  ...overrides,
});

describe('attempt outcomes', () => {
  it.each([
    [200, 'success'],
    [204, 'success'],
    [301, 'retryable'],
    [400, 'retryable'],
    [410, 'permanent'],
    [429, 'retryable'],
    [503, 'retryable'],
  ])('status %s is %s', (status, expected) => {
    expect(classifyHttpStatus(status)).toBe(expected);
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT')),
    ).toBe(60_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });

  const schedule = [5000, 30_000, 120_000];

  it.each([
    [
      'first failure waits the first delay',
      failed(),
      1,
      { kind: 'retry', delayMs: 5000, attempt: 1 },
    ],
    [
      'third failure waits the third delay',
      failed(),
      3,
      { kind: 'retry', delayMs: 120_000, attempt: 3 },
    ],
    [
      'a longer Retry-After wins',
      failed({ retryAfterMs: 60_000 }),
      1,
      { kind: 'retry', delayMs: 60_000, attempt: 1 },
    ],
    [
      'a shorter Retry-After does not',
      failed({ retryAfterMs: 1000 }),
      2,
      { kind: 'retry', delayMs: 30_000, attempt: 2 },
    ],
    [
      'past the schedule is dead',
      failed(),
      4,
      { kind: 'dead', reason: 'gave up after 4 attempts' },
    ],
    [
      'permanent is dead at once',
      failed({ failure: 'permanent', message: 'gone' }),
      1,
      { kind: 'dead', reason: 'gone' },
    ],
  ])('%s', (_name, result, attempts, expected) => {
    expect(nextStep(result, attempts, schedule, () => 0)).toEqual(expected);
  });

  it('is done on success', () => {
    expect(nextStep({ ok: true, statusCode: 200, responseExcerpt: '' }, 1, schedule)).toEqual({
      kind: 'done',
    });
  });
});
