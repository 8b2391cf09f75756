import { matchesAntGlob } from './ant-glob';

describe('Ant-style globs', () => {
  it.each([
    ['/test/**', '/test', true],
    ['/test/**', '/test/a', true],
    ['/test/**', '/test/a/b/c', true],
    ['/test/**', '/testing', false],
    ['/test/**', '/other/a', false],
    ['/test/*', '/test/a', true],
    ['/test/*', '/test/a/b', false],
    ['/**/power', '/power', true],
    ['/**/power', '/a/b/power', true],
    ['/**/power', '/a/b/powers', false],
    ['/inv-?', '/inv-1', true],
    ['/inv-?', '/inv-10', false],
    ['/inv-*', '/inv-10', true],
    ['**', '/anything/at/all', true],
    ['/a/**/b', '/a/b', true],
    ['/a/**/b', '/a/x/y/b', true],
    ['/a.b', '/aXb', false],
    ['node/*/source/inv-1', 'node/42/source/inv-1', true],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(matchesAntGlob(pattern, value)).toBe(expected);
  });
});
