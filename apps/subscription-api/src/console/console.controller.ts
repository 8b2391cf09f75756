import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HERALD_CONFIG } from '@herald/config';
import { PublicRoute } from '@herald/observability';
import { consoleHeaders } from './console-headers';
import type { SubscriptionApiConfig } from '../subscription-api.config';

/**
 * dist/console, built by `npm run build` (Vite): beside the compiled services, or, when the API runs
 * from its TypeScript sources (tests), under the repository's dist/.
 */
function builtConsole(): string | null {
  const candidates = [
    resolve(__dirname, '../../../../console'),
    resolve(__dirname, '../../../../dist/console'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/** Vite names assets `<name>-<hash>.<ext>`; nothing else is served, so no path leaves the folder. */
const ASSET = /^[\w-]+\.(js|css|map|svg|png|woff2)$/;

/**
 * The console's static files under /console, on the API's own origin: the console calls the API
 * with the signed-in tenant's key, without CORS. Public like /docs: the files hold no data.
 */
@Controller('console')
@PublicRoute()
export class ConsoleController {
  private readonly root = builtConsole();
  private readonly headers: Record<string, string>;

  constructor(@Inject(HERALD_CONFIG) config: SubscriptionApiConfig) {
    this.headers = consoleHeaders(config.console.frameAncestors);
  }

  @Get()
  index(@Res() response: Response): void {
    // Always revalidated, so a new build's asset names are picked up at once.
    this.send(response, 'index.html', 'no-cache');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (!ASSET.test(file)) throw new NotFoundException('no such console file');
    this.send(response, join('assets', file), 'public, max-age=31536000, immutable');
  }

  private send(response: Response, file: string, cacheControl: string): void {
    if (!this.root || !existsSync(join(this.root, file))) {
      throw new NotFoundException(
        this.root ? 'no such console file' : 'the console is not built (npm run build)',
      );
    }
    response.set({ ...this.headers, 'cache-control': cacheControl });
    response.sendFile(file, { root: this.root, dotfiles: 'deny' });
  }
}
