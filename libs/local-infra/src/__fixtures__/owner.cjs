'use strict';
/*
 * A stand-in for a process that owns local servers (the `npm start` launcher, jest's parent),
 * so the int-spec can kill it the hard way and check that nothing outlives it.
 *
 *   node owner.cjs sleep             supervises `sleep 300` exactly as the library does
 *   node owner.cjs sleep-hung        the same, but survives Ctrl-C without stopping anything
 *   node owner.cjs library <dataDir> starts Kafka and PostgreSQL through the TypeScript sources
 *
 * Prints one JSON line with the server pids once they run, then idles until killed.
 */
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const [mode, dataDir] = process.argv.slice(2);
const keepAlive = () => setInterval(() => undefined, 60_000);

function registerTypeScript() {
  const swc = require('@swc/core');
  require.extensions['.ts'] = (module, filename) => {
    const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
      filename,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    module._compile(code, filename);
  };
}

if (mode === 'sleep' || mode === 'sleep-hung') {
  if (mode === 'sleep-hung') process.on('SIGINT', () => undefined);
  const supervisor = spawn(
    process.execPath,
    [
      join(__dirname, '..', '..', 'supervisor.cjs'),
      JSON.stringify({ ownerPid: process.pid, command: 'sleep', args: ['300'] }),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  supervisor.stdout.setEncoding('utf8');
  supervisor.stdout.on('data', (chunk) => {
    for (const line of chunk.split('\n')) {
      if (line.includes('"started"')) {
        process.stdout.write(
          `${JSON.stringify({ supervisor: supervisor.pid, server: JSON.parse(line).pid })}\n`,
        );
      }
    }
  });
  keepAlive();
} else if (mode === 'library') {
  registerTypeScript();
  const { startLocalKafka, startLocalPostgres } = require('../index.ts');
  Promise.all([
    startLocalKafka({ dataDir: join(dataDir, 'kafka'), fresh: true }),
    startLocalPostgres({ dataDir: join(dataDir, 'postgres'), fresh: true }),
  ]).then(
    ([kafka, postgres]) => {
      process.stdout.write(`${JSON.stringify({ kafka: kafka.pid, postgres: postgres.pid })}\n`);
      keepAlive();
    },
    (err) => {
      process.stderr.write(`${err.stack || err}\n`);
      process.exit(1);
    },
  );
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
