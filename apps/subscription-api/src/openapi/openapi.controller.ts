import { dirname } from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PublicRoute } from '@herald/observability';
import { openApiDocument } from './openapi-document';

/**
 * `/docs` is Swagger UI (swagger-ui-dist, the viewer SmartBear maintains and @nestjs/swagger
 * serves): its files come from the package, on the API's own origin, nothing from a CDN. Only the
 * page and its start-up script are Herald's.
 */
const VIEWER_ROOT = dirname(require.resolve('swagger-ui-dist/package.json'));

/** The package's files the page loads; nothing else of it is served. */
const VIEWER_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Herald API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="/docs/viewer/favicon-32x32.png">
<link rel="stylesheet" href="/docs/viewer/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/viewer/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script></body></html>`;

/** The online validator is off: the document is not sent anywhere. */
const START_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  validatorUrl: null,
});
`;

/**
 * Scripts and styles from this origin only, none inline (Swagger UI needs none: the browser test
 * fails on any violation); requests to this origin only (the document, and "Try it out" calls with
 * the key given to "Authorize").
 */
const DOCS_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

@Controller()
@PublicRoute()
export class OpenApiController {
  private readonly document = openApiDocument();

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    return this.document;
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  docs(@Res({ passthrough: true }) response: Response): string {
    response.set(DOCS_HEADERS);
    return DOCS_PAGE;
  }

  @Get('docs/start.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  start(@Res({ passthrough: true }) response: Response): string {
    response.set(DOCS_HEADERS);
    return START_SCRIPT;
  }

  @Get('docs/viewer/:file')
  viewer(@Param('file') file: string, @Res() response: Response): void {
    const type = Object.hasOwn(VIEWER_FILES, file) ? VIEWER_FILES[file] : undefined;
    if (type === undefined) throw new NotFoundException('no such docs file');
    // The package's version is pinned in the lock file: a day's caching is enough.
    response.set({
      ...DOCS_HEADERS,
      'content-type': type,
      'cache-control': 'public, max-age=86400',
    });
    response.sendFile(file, { root: VIEWER_ROOT, dotfiles: 'deny' });
  }
}
