import { Type } from '@sinclair/typebox';
import { bodyValidator, Nullable, PROBLEM } from './request-schema';

const read = bodyValidator(
  Type.Object(
    {
      name: Type.String({
        maxLength: 5,
        pattern: '^[a-z]+$',
        [PROBLEM]: { pattern: 'must be lower-case letters' },
      }),
      note: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
      tags: Type.Optional(
        Type.Array(Type.String(), {
          minItems: 1,
          maxItems: 2,
          [PROBLEM]: 'must be an array of strings',
        }),
      ),
      size: Type.Optional(Type.Integer({ minimum: 1, maximum: 9 })),
      mode: Type.Optional(Type.Union([Type.Literal('a'), Type.Literal('b')])),
      flag: Type.Optional(Type.Boolean()),
      pick: Type.Optional(
        Type.Array(Type.String({ enum: ['x', 'y'] }), { [PROBLEM]: { type: 'must be x or y' } }),
      ),
      list: Type.Optional(Type.Array(Type.Integer())),
      destination: Type.Optional(
        Type.Object({ url: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      ),
    },
    { additionalProperties: false },
  ),
);

describe('bodyValidator names each problem as the API always has', () => {
  it.each<[string, unknown, { field: string; message: string }[]]>([
    ['a fitting body', { name: 'abc', note: null }, []],
    [
      'a body that is not an object, and what it lacks',
      [],
      [
        { field: 'body', message: 'must be a JSON object' },
        { field: 'name', message: 'is required' },
      ],
    ],
    ['a missing field', {}, [{ field: 'name', message: 'is required' }]],
    ['a required field that is null', { name: null }, [{ field: 'name', message: 'is required' }]],
    [
      'a pattern, in the schema’s words',
      { name: 'A' },
      [{ field: 'name', message: 'must be lower-case letters' }],
    ],
    ['a length', { name: 'abcdef' }, [{ field: 'name', message: 'must be at most 5 characters' }]],
    ['an empty string', { name: 'a', note: '' }, [{ field: 'note', message: 'must not be empty' }]],
    ['a wrong type', { name: 'a', note: 5 }, [{ field: 'note', message: 'must be a string' }]],
    [
      'an item’s type, at its list',
      { name: 'a', tags: [1] },
      [{ field: 'tags', message: 'must be an array of strings' }],
    ],
    [
      'too many entries',
      { name: 'a', tags: ['x', 'y', 'z'] },
      [{ field: 'tags', message: 'must have at most 2 entries' }],
    ],
    ['no entries', { name: 'a', tags: [] }, [{ field: 'tags', message: 'must not be empty' }]],
    [
      'a range',
      { name: 'a', size: 10 },
      [{ field: 'size', message: 'must be an integer from 1 to 9' }],
    ],
    [
      'a boolean',
      { name: 'a', flag: 'yes' },
      [{ field: 'flag', message: 'must be true or false' }],
    ],
    [
      'an item by index',
      { name: 'a', list: [1, 'x'] },
      [{ field: 'list[1]', message: 'must be an integer' }],
    ],
    [
      'nothing inside a field that is itself wrong',
      { name: 'a', pick: [5] },
      [{ field: 'pick', message: 'must be x or y' }],
    ],
    [
      'a nested field',
      { name: 'a', destination: { url: '' } },
      [{ field: 'destination.url', message: 'must not be empty' }],
    ],
    [
      'a nested unknown field',
      { name: 'a', destination: { url: 'u', x: 1 } },
      [{ field: 'destination.x', message: 'is not a known field' }],
    ],
    [
      'every problem at once, unknown fields by name',
      { name: 5, colour: 'red', flag: 1 },
      [
        { field: 'colour', message: 'is not a known field' },
        { field: 'name', message: 'must be a string' },
        { field: 'flag', message: 'must be true or false' },
      ],
    ],
  ])('%s', (_name, body, problems) => {
    expect(read(body).problems).toEqual(problems);
  });

  it('says which fields fit, for the rules checked after the schema', () => {
    const checked = read({ name: 'A', note: 'n' });
    expect([checked.fits('name'), checked.fits('note')]).toEqual([false, true]);
    expect(read([]).fits('note')).toBe(false);
  });
});
