import { REFUSAL_MESSAGES, SUBSCRIPTION_GONE, whyRefused } from './delivery-refusal';
import { SUBSCRIPTION_DISABLED } from './subscription-health';

describe('delivery refusal', () => {
  const live = { enabled: true, status: 'active', deleted: false } as const;

  it.each([
    ['a live subscription sends', live, null],
    ['not found', null, 'deleted'],
    ['deleted', { ...live, enabled: false, deleted: true }, 'deleted'],
    ['paused by the tenant', { ...live, enabled: false }, 'disabled'],
    ['disabled by Herald', { ...live, status: 'disabled' }, 'disabled'],
    ['both', { ...live, enabled: false, status: 'disabled' }, 'disabled'],
  ] as const)('%s', (_, subscription, expected) => {
    expect(whyRefused(subscription)).toBe(expected);
  });

  it('tells tenants why in the words the attempt history and the dead letters show', () => {
    expect(REFUSAL_MESSAGES).toEqual({
      deleted: SUBSCRIPTION_GONE,
      disabled: SUBSCRIPTION_DISABLED,
    });
  });
});
