import { readRedrive } from '../dead-letters/redrive-input';
import { readRecover } from '../subscriptions/subscription-delivery-input';
import { eventTypePageRequest, readNewEventType } from '../event-types/event-type-input';
import { readEventListQuery } from '../events/event-input';
import { readNewSubscription } from '../subscriptions/subscription-input';
import { ApiError } from '../errors/api-error';
import { readPageQuery } from './query-schema';

/** The problem a reader throws, as `{code, fields}`, or null when it takes the input. */
function refusal(read: () => unknown): { code: string; fields: string[] } | null {
  try {
    read();
    return null;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { code: error.code, fields: error.details.map((detail) => detail.field) };
  }
}

/**
 * Requests the OpenAPI document calls invalid that the API took (issue 14's fuzzer): an empty
 * string was read as a missing one, and a null as "no range" in a redrive of everything.
 */
describe('input the document refuses is refused', () => {
  it.each<[string, () => unknown, string[]]>([
    ['an event type named ""', () => readNewEventType({ name: '' }), ['name']],
    [
      'a webhook to url ""',
      () => readNewSubscription({ event_types: ['*'], destination: { type: 'webhook', url: '' } }),
      ['destination.url'],
    ],
    ['a recovery since ""', () => readRecover({ since: '' }), ['since']],
    ['a redrive since ""', () => readRedrive({ since: '' }), ['since']],
    [
      'a redrive of { subscription_id: null }',
      () => readRedrive({ subscription_id: null }),
      ['ids'],
    ],
    ['an empty cursor', () => readPageQuery({ cursor: '' }), ['cursor']],
    [
      'an empty cursor of the event type list',
      () => eventTypePageRequest({ cursor: '' }),
      ['cursor'],
    ],
    ['an empty cursor of the event list', () => readEventListQuery({ cursor: '' }), ['cursor']],
  ])('%s: 422 validation_failed naming it', (_name, read, fields) => {
    expect(refusal(read)).toEqual({ code: 'validation_failed', fields });
  });

  it('still takes what the document calls valid', () => {
    expect(readNewEventType({ name: 'meter.read', description: null }).name).toBe('meter.read');
    expect(readRedrive({ ids: null, subscription_id: 'sub_1' })).toEqual({
      range: { subscriptionId: 'sub_1', since: undefined, until: undefined },
    });
    expect(readRecover({ since: '2020-01-01T00:00:00Z' }).since.toISOString()).toBe(
      '2020-01-01T00:00:00.000Z',
    );
    expect(readPageQuery({})).toEqual({ after: null, limit: 20 });
  });
});
