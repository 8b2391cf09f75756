import {
  exampleData,
  exampleProblems,
  MAX_EVENT_TYPE_EXAMPLES,
  pickExampleType,
} from './event-type-examples';
import type { JsonObject, JsonValue } from './json';
import { MAX_JSON_DEPTH } from './json-safety';

/** An object nested `levels` deep. */
const deep = (levels: number): JsonObject => {
  let value: JsonObject = {};
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
};

const meterSchema: JsonObject = {
  type: 'object',
  required: ['meter_id'],
  properties: { meter_id: { type: 'string' }, readings: { type: 'array' } },
};

describe('event type examples', () => {
  it.each<[string, JsonValue[], JsonObject | null, { field: string; message: string }[]]>([
    ['none', [], meterSchema, []],
    [
      'ones that match the schema',
      [{ meter_id: 'm-1' }, { meter_id: 'm-2', readings: [] }],
      meterSchema,
      [],
    ],
    ['any object when the type has no schema', [{ anything: [1, 2] }], null, []],
    [
      'one missing a required field',
      [{ meter_id: 'm-1' }, { readings: [] }],
      meterSchema,
      [
        {
          field: 'examples[1]',
          message: 'does not match the schema: examples[1].meter_id is required',
        },
      ],
    ],
    [
      'one with a field of the wrong type',
      [{ meter_id: 7 }],
      meterSchema,
      [
        {
          field: 'examples[0]',
          message: 'does not match the schema: examples[0].meter_id must be string',
        },
      ],
    ],
    [
      'one holding text Herald cannot store',
      [{ meter_id: 'm-1' }, { meter_id: 'm\u0000' }],
      meterSchema,
      [
        {
          field: 'examples[1]',
          message:
            'is not what an event may carry: data.meter_id holds a NUL character (\\u0000), which Herald cannot store',
        },
      ],
    ],
    [
      'one nested deeper than an event may be',
      [deep(MAX_JSON_DEPTH)],
      null,
      [
        {
          field: 'examples[0]',
          message: expect.stringMatching(
            /^is not what an event may carry: .* nested more than 64 levels deep$/,
          ) as string,
        },
      ],
    ],
    [
      'too many',
      Array.from({ length: MAX_EVENT_TYPE_EXAMPLES + 1 }, () => ({ meter_id: 'm' })),
      meterSchema,
      [{ field: 'examples', message: 'must have at most 10 entries' }],
    ],
    [
      'too many bytes together',
      [{ meter_id: 'x'.repeat(600) }, { meter_id: 'y'.repeat(600) }],
      meterSchema,
      [
        {
          field: 'examples',
          message:
            'must be at most 1024 bytes of JSON together (HERALD_MAX_EVENT_BYTES); these are 1233',
        },
      ],
    ],
  ])('%s', (_name, examples, schema, expected) => {
    expect(exampleProblems(examples, schema, 1024)).toEqual(expected);
  });

  it('gives an example as an event’s data', () => {
    expect(exampleData({ meter_id: 'm-1' })).toEqual({ ok: true, data: { meter_id: 'm-1' } });
  });

  it.each<[string, string[], string[], string | null]>([
    [
      'a name the catalog has an example for',
      ['meter.created'],
      ['meter.created'],
      'meter.created',
    ],
    ['a name without an example', ['meter.created'], ['user.created'], null],
    [
      'a glob: the first match in name order',
      ['meter_data.*'],
      ['a.b', 'meter_data.received', 'meter_data.stored'],
      'meter_data.received',
    ],
    [
      'several: the first that has one, in the subscription’s order',
      ['user.*', 'meter.*', 'a.*'],
      ['a.b', 'meter.created'],
      'meter.created',
    ],
    ['a catch-all', ['*'], ['a.b', 'c.d'], 'a.b'],
    ['a catch-all skips Herald’s own types', ['**'], ['herald.delivery.exhausted'], null],
    ['nothing with an example', ['**'], [], null],
  ])('picks for %s', (_name, subscribed, withExamples, expected) => {
    expect(pickExampleType(subscribed, withExamples)).toBe(expected);
  });
});
