'use strict';
// Resolves `@herald/<lib>` imports outside jest and tsc: compiled code under dist/ gets dist/libs,
// TypeScript sources (jest's global setup) get libs/. Loaded with `node -r`.
const Module = require('node:module');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const original = Module._resolveFilename;

Module._resolveFilename = function resolveHeraldAlias(request, parent, ...rest) {
  const match = /^@herald\/([a-z-]+)$/.exec(request);
  if (match) {
    const base =
      parent && parent.filename && parent.filename.startsWith(dist + path.sep) ? dist : root;
    request = path.join(base, 'libs', match[1], 'src', 'index');
  }
  return original.call(this, request, parent, ...rest);
};
