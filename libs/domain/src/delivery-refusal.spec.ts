import { isRefusal, refusalOf, SUBSCRIPTION_GONE } from './delivery-refusal';
import { SUBSCRIPTION_DISABLED } from './subscription-health';

describe('delivery refusal', () => {
  const live = { enabled: true, status: 'active', deleted: false } as const;

  it.each([
    ['a live subscription sends', live, null],
    ['not found', null, SUBSCRIPTION_GONE],
    ['deleted', { ...live, enabled: false, deleted: true }, SUBSCRIPTION_GONE],
    ['paused by the tenant', { ...live, enabled: false }, SUBSCRIPTION_DISABLED],
    ['disabled by Herald', { ...live, status: 'disabled' }, SUBSCRIPTION_DISABLED],
    ['both', { ...live, enabled: false, status: 'disabled' }, SUBSCRIPTION_DISABLED],
  ] as const)('%s', (_, subscription, expected) => {
    expect(refusalOf(subscription)).toBe(expected);
  });

  it.each([
    [SUBSCRIPTION_GONE, true],
    [SUBSCRIPTION_DISABLED, true],
    ['receiver answered 500', false],
  ])('%s is a refusal: %s', (message, expected) => {
    expect(isRefusal(message)).toBe(expected);
  });
});
