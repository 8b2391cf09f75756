import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';

/**
 * What `expression` gives (as JSON) once kafkajs has loaded after one of Herald's modules that
 * replace part of it (`libs/kafka/src/*-fix.ts`), in a plain Node process: Jest keeps a module
 * registry of its own, which such a module does not touch. The module (and what it imports of its
 * own) is compiled as tsc would and loaded, then kafkajs and a producer; `expression` sees the
 * module's exports as `fix`.
 */
export function afterKafkajsLoads(fixFile: string, expression: string): unknown {
  const script = `
    const ts = require('typescript');
    const { readFileSync } = require('node:fs');
    // TypeScript compiled as tsc would, for the module and what it imports of its own.
    require.extensions['.ts'] = (module, filename) =>
      module._compile(
        ts.transpileModule(readFileSync(filename, 'utf8'), {
          compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true },
        }).outputText,
        filename,
      );
    const fix = require(${JSON.stringify(fixFile)});
    const { Kafka } = require('kafkajs');
    new Kafka({ brokers: ['127.0.0.1:1'] }).producer();
    process.stdout.write(JSON.stringify(${expression}));
  `;
  const out = execFileSync(process.execPath, ['-e', script], {
    cwd: dirname(fixFile),
    encoding: 'utf8',
  });
  return JSON.parse(out) as unknown;
}
