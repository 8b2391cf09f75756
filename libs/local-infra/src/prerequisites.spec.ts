import { parseJavaMajor } from './prerequisites';

describe('parseJavaMajor', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['Picked up JAVA_TOOL_OPTIONS: -Xss1m\nopenjdk version "11.0.2" 2019-01-15', 11],
  ])('reads %j as Java %i', (output, major) => {
    expect(parseJavaMajor(output)).toBe(major);
  });

  it('gives up on output it does not know', () => {
    expect(parseJavaMajor('command not found')).toBeUndefined();
  });
});
