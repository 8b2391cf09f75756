/**
 * Ant-style path patterns, as SolarNetwork uses for source ids: `?` is one character, `*` any run
 * within one `/`-separated segment, `**` any number of whole segments (`/test/**` matches `/test`,
 * `/test/a` and `/test/a/b`).
 */
export function matchesAntGlob(pattern: string, value: string): boolean {
  return antGlobRegExp(pattern).test(value);
}

const cache = new Map<string, RegExp>();

function antGlobRegExp(pattern: string): RegExp {
  let cached = cache.get(pattern);
  if (cached) return cached;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*' && pattern[i + 1] === '*') {
      const slashBefore = source.endsWith('/');
      const slashAfter = pattern[i + 2] === '/';
      if (slashBefore && (slashAfter || i + 2 === pattern.length)) {
        // `/**/` or a trailing `/**`: zero or more whole segments, the slash included.
        source = source.slice(0, -1) + (slashAfter ? '(?:/.*)?/' : '(?:/.*)?');
        i += slashAfter ? 2 : 1;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  cached = new RegExp(`^${source}$`);
  if (cache.size > 10_000) cache.clear();
  cache.set(pattern, cached);
  return cached;
}
