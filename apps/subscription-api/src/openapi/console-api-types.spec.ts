import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openApiDocument } from './openapi-document';

const ROOT = resolve(__dirname, '../../../..');

describe("the console's generated API types", () => {
  it('match the OpenAPI document served at /openapi.json (else run `npm run console:api`)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(openApiDocument()));
      // openapi-typescript is ESM only; the generator runs in its own process, as `npm run console:api` does.
      const generated = execFileSync(
        process.execPath,
        [join(ROOT, 'scripts/console-api-types.js'), file],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      const committed = readFileSync(join(ROOT, 'apps/console/src/api/schema.ts'), 'utf8');
      expect(committed).toBe(generated);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
