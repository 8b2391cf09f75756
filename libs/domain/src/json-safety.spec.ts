import { findUnsafeJson, MAX_JSON_DEPTH } from './json-safety';

function nest(levels: number, inner: unknown = 1, asArray = false): unknown {
  let value = inner;
  for (let level = 0; level < levels; level++) value = asArray ? [value] : { k: value };
  return value;
}

describe('findUnsafeJson', () => {
  it.each([
    ['a plain object', { a: 1, b: ['x', true, null, 2.5], c: { d: 'é ☀ 😀' } }],
    ['a scalar', 'text'],
    ['null', null],
    ['objects nested to the limit', nest(MAX_JSON_DEPTH)],
    ['arrays nested to the limit', nest(MAX_JSON_DEPTH, 1, true)],
  ])('finds nothing wrong in %s', (_name, value) => {
    expect(findUnsafeJson(value)).toBeNull();
  });

  it.each([
    ['a NUL in a value', { a: { b: 'x\u0000' } }, 'nul_character', 'a.b'],
    ['a NUL in a key', { a: { 'b\u0000': 1 } }, 'nul_character', 'a'],
    ['a lone high surrogate', { list: [1, 'ok', 'x\ud800'] }, 'unpaired_surrogate', 'list[2]'],
    ['a lone low surrogate', ['\udc00'], 'unpaired_surrogate', '[0]'],
    ['swapped surrogates', { s: '\ude00\ud83d' }, 'unpaired_surrogate', 's'],
    ['a key that is not an identifier', { 'a b': 'x\u0000' }, 'nul_character', '["a b"]'],
    ['a string that is the value itself', '\u0000', 'nul_character', ''],
    [
      'objects one level too deep',
      nest(MAX_JSON_DEPTH + 1),
      'too_deep',
      expect.any(String) as unknown as string,
    ],
    [
      'arrays one level too deep',
      nest(MAX_JSON_DEPTH + 1, 1, true),
      'too_deep',
      expect.any(String) as unknown as string,
    ],
  ])('finds %s', (_name, value, kind, path) => {
    expect(findUnsafeJson(value)).toMatchObject({ kind, path });
  });

  it('names the path under the root it is given, and says what is wrong', () => {
    expect(findUnsafeJson({ x: '\u0000' }, 'data')).toEqual({
      kind: 'nul_character',
      path: 'data.x',
      message: 'data.x holds a NUL character (\\u0000), which Herald cannot store',
    });
  });

  it('walks hostile depth without overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)) as unknown;
    expect(findUnsafeJson(deep)?.kind).toBe('too_deep');
  });
});
