import { deliveryUpdatesOf, storableText, type AttemptEffect } from './attempt-batch';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));
const effect = (
  deliveryId: string,
  attempt: number,
  status: AttemptEffect['status'],
  second: number,
  tenantId = 'ten_a',
): AttemptEffect => ({
  tenantId,
  deliveryId,
  attempt,
  startedAt: at(second),
  status,
  nextAttemptAt: status === 'retrying' ? at(second + 10) : null,
});

describe('deliveryUpdatesOf: one delivery update per batch, as if recorded one by one', () => {
  it.each<[string, AttemptEffect[], ReturnType<typeof deliveryUpdatesOf>]>([
    ['an empty batch', [], []],
    [
      'one attempt',
      [effect('dlv_1', 1, 'succeeded', 1)],
      [
        {
          tenantId: 'ten_a',
          deliveryId: 'dlv_1',
          attempts: 1,
          lastAttemptAt: at(1),
          status: 'succeeded',
          nextAttemptAt: null,
        },
      ],
    ],
    [
      'two attempts of one delivery: the later one wins',
      [effect('dlv_1', 1, 'retrying', 1), effect('dlv_1', 2, 'succeeded', 2)],
      [
        {
          tenantId: 'ten_a',
          deliveryId: 'dlv_1',
          attempts: 2,
          lastAttemptAt: at(2),
          status: 'succeeded',
          nextAttemptAt: null,
        },
      ],
    ],
    [
      'a later record with a lower number sets the status, but the count only grows',
      [effect('dlv_1', 3, 'dead', 3), effect('dlv_1', 2, 'retrying', 4)],
      [
        {
          tenantId: 'ten_a',
          deliveryId: 'dlv_1',
          attempts: 3,
          lastAttemptAt: at(4),
          status: 'retrying',
          nextAttemptAt: at(14),
        },
      ],
    ],
    [
      'different deliveries, and the same id in two tenants, stay apart',
      [
        effect('dlv_1', 1, 'retrying', 1),
        effect('dlv_2', 1, 'succeeded', 2),
        effect('dlv_1', 1, 'dead', 3, 'ten_b'),
      ],
      [
        {
          tenantId: 'ten_a',
          deliveryId: 'dlv_1',
          attempts: 1,
          lastAttemptAt: at(1),
          status: 'retrying',
          nextAttemptAt: at(11),
        },
        {
          tenantId: 'ten_a',
          deliveryId: 'dlv_2',
          attempts: 1,
          lastAttemptAt: at(2),
          status: 'succeeded',
          nextAttemptAt: null,
        },
        {
          tenantId: 'ten_b',
          deliveryId: 'dlv_1',
          attempts: 1,
          lastAttemptAt: at(3),
          status: 'dead',
          nextAttemptAt: null,
        },
      ],
    ],
  ])('%s', (_name, records, expected) => {
    expect(deliveryUpdatesOf(records)).toEqual(expected);
  });
});

describe('storableText', () => {
  it.each([
    [null, null],
    ['plain', 'plain'],
    ['a\u0000b\u0000', 'a\uFFFDb\uFFFD'],
    ['cut \ud83d', 'cut \uFFFD'],
    ['\ude00 and a whole \ud83d\ude00', '\uFFFD and a whole \ud83d\ude00'],
  ])('%j becomes %j', (text, stored) => {
    expect(storableText(text)).toBe(stored);
  });
});
