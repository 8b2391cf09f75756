import { newId, stableId } from './ids';
import { isPastRetention, retentionCutoff, timeOfId } from './retention';

describe('retention', () => {
  it.each([
    ['a delivery id', newId('dlv', 1_700_000_000_123), 1_700_000_000_123],
    ['a stable event id', stableId('evt', 1_764_000_000_000, 'seed'), 1_764_000_000_000],
    ['the first millisecond', newId('att', 0), 0],
    ['a producer id', 'order-42', null],
    ['a wrong length', 'dlv_01jabc', null],
    ['a letter outside Crockford base32', 'dlv_01ju000000000000000000000i', null],
  ])('reads the time of %s', (_name, id, expected) => {
    expect(timeOfId(id)).toBe(expected);
  });

  it.each([
    ['made before the cutoff', 1_000, true],
    ['made at the cutoff', 2_000, false],
    ['made after it', 3_000, false],
  ])('calls an id %s past retention: %s', (_name, madeAt, expected) => {
    expect(isPastRetention(newId('dlv', madeAt), new Date(2_000))).toBe(expected);
  });

  it('never calls a producer id past retention', () => {
    expect(isPastRetention('order-42', new Date(Date.now()))).toBe(false);
  });

  it('keeps what is younger than the retention', () => {
    expect(retentionCutoff(10_000, 4_000).getTime()).toBe(6_000);
  });
});
