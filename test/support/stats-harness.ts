import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, 'dist', 'stats-harness');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

/**
 * Builds apps/console/src/harness (the subscription stats component alone on a page) into
 * dist/stats-harness, with the console's own tsconfig (Preact's JSX) and no config of its own.
 */
export function buildStatsHarness(): void {
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      'apps/console/src/harness',
      '--outDir',
      OUT,
      '--emptyOutDir',
      '--base',
      './',
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
}

/**
 * Serves the harness on loopback with the console's Content-Security-Policy, and `/v1/…` from
 * Herald, so the page calls the API on its own origin as the console does.
 */
export async function serveStatsHarness(
  apiUrl: string,
  policy: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = async (): Promise<void> => {
      if (path.startsWith('/v1/')) {
        const proxied = await fetch(`${apiUrl}${request.url ?? ''}`, {
          method: request.method,
          headers: { authorization: request.headers.authorization ?? '' },
        });
        response.writeHead(proxied.status, {
          'content-type': proxied.headers.get('content-type') ?? 'application/json',
        });
        response.end(Buffer.from(await proxied.arrayBuffer()));
        return;
      }
      const file = path === '/' ? 'index.html' : path.slice(1);
      if (!/^(index\.html|assets\/[\w-]+\.(js|css))$/.test(file)) {
        response.writeHead(404).end();
        return;
      }
      const body = await readFile(join(OUT, file));
      response.writeHead(200, {
        'content-type': TYPES[file.slice(file.lastIndexOf('.'))],
        'content-security-policy': policy,
      });
      response.end(body);
    };
    answer().catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    },
  };
}
