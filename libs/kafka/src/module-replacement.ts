import Module from 'node:module';

/**
 * Puts `exports` in Node's module cache as the module at `path`, unless that module is loaded
 * already: whatever requires `path` from then on gets `exports`. How Herald replaces a file of
 * kafkajs (its last release, 2.2.4) that its other files take with `require` when they load — so
 * the module calling this must be imported before `kafkajs`.
 */
export function replaceModule(path: string, exports: unknown): void {
  if (require.cache[path] !== undefined) return;
  const replacement = new Module(path);
  replacement.filename = path;
  replacement.loaded = true;
  replacement.exports = exports;
  require.cache[path] = replacement;
}
