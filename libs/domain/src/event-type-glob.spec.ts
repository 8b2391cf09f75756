import { isValidEventTypeGlob, matchesEventType } from './event-type-glob';

describe('event type globs', () => {
  it.each([
    ['*', 'meter_data.received', true],
    ['**', 'a.b.c', true],
    ['meter_data.*', 'meter_data.received', true],
    ['meter_data.*', 'meter_data', false],
    ['meter_data.*', 'meter.created', false],
    ['meter_data.*', 'meter_data.received.late', false],
    ['meter_data.**', 'meter_data.received.late', true],
    ['*.created', 'user.created', true],
    ['*.created', 'user.deleted', false],
    ['user.created', 'user.created', true],
    ['user.created', 'user.createdx', false],
    ['datum/agg/update', 'datum/agg/update', true],
    ['hosted_consent.*', 'hosted_consent.approved', true],
    ['*', 'herald.delivery.exhausted', false],
    ['**', 'herald.subscription.disabled', false],
    ['*.*.exhausted', 'herald.delivery.exhausted', false],
    ['herald.**', 'herald.delivery.exhausted', true],
    ['herald.delivery.*', 'herald.delivery.recovered', true],
    ['herald.subscription.disabled', 'herald.subscription.disabled', true],
  ])('%s matches %s: %s', (glob, type, expected) => {
    expect(matchesEventType(glob, type)).toBe(expected);
  });

  it.each([
    ['*', true],
    ['meter_data.*', true],
    ['a.b.c', true],
    ['', false],
    ['has space', false],
    ['a..b', false],
  ])('%s is a valid glob: %s', (glob, expected) => {
    expect(isValidEventTypeGlob(glob)).toBe(expected);
  });
});
