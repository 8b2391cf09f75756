import { execFileSync } from 'node:child_process';
import type { INestApplication } from '@nestjs/common';
import { createService } from '@herald/runtime';
import { ApiClient, testConfig, appUrl, launchChromium } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

type Document = { openapi: string; paths: Record<string, Record<string, unknown>> };

/** The validator is ESM-only, so it runs in a child Node process rather than inside jest. */
function validateOpenApi(document: unknown): { valid: boolean; errors: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    process.stdin.on('data', (chunk) => (input += chunk));
    process.stdin.on('end', async () => {
      const result = await new Validator().validate(JSON.parse(input));
      process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? null }));
    });`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(document),
    cwd: __dirname,
  });
  return JSON.parse(output.toString()) as { valid: boolean; errors: unknown };
}

/** Every route Express serves, as `METHOD /path/{param}`. */
function servedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return express.router.stack
    .filter((layer) => layer.route)
    .flatMap((layer) =>
      Object.keys(layer.route!.methods).map(
        (method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:([a-z_]+)/gi, '{$1}')}`,
      ),
    );
}

describe('OpenAPI document', () => {
  let app: INestApplication;
  let client: ApiClient;

  beforeAll(async () => {
    const config = testConfig();
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    client = new ApiClient(appUrl(app), null);
  });

  afterAll(async () => {
    await app.close();
  });

  it('is served at /openapi.json without credentials and validates as OpenAPI 3', async () => {
    const response = await client.request<Document>('GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(validateOpenApi(response.body)).toEqual({ valid: true, errors: null });
  });

  it('lists every route the API serves, and nothing it does not', async () => {
    const documented = Object.entries(
      (await client.request<Document>('GET', '/openapi.json')).body.paths,
    ).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const undocumented = new Set([
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'GET /openapi.json',
      'GET /docs',
      // The docs viewer's files (Swagger UI, from swagger-ui-dist).
      'GET /docs/start.js',
      'GET /docs/viewer/{file}',
      // The console's static files (README "Console").
      'GET /console',
      'GET /console/assets/{file}',
    ]);
    const served = servedRoutes(app).filter((route) => !undocumented.has(route));
    expect(served.length).toBeGreaterThan(3);
    expect(new Set(documented)).toEqual(new Set(served));
  });

  it('documents on every operation the 503 of an unreachable database, with Retry-After', async () => {
    type Responses = Record<string, { headers?: Record<string, unknown> } | undefined>;
    const { paths } = (await client.request<Document>('GET', '/openapi.json')).body;
    const without = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { responses: Responses }>)
        .filter(([, operation]) => !operation.responses['503']?.headers?.['Retry-After'])
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(without).toEqual([]);
  });

  it('declares 400 and 413 on every operation that takes a body, and 422 `invalid_text` on all', async () => {
    type Operation = { requestBody?: unknown; responses: Record<string, { description: string }> };
    const { paths } = (await client.request<Document>('GET', '/openapi.json')).body;
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Operation>).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path}`,
        operation,
      })),
    );
    const withBody = operations.filter(({ operation }) => operation.requestBody);
    expect(withBody.length).toBeGreaterThan(10);
    for (const { route, operation } of withBody) {
      expect({
        route,
        declared: ['400', '413'].filter((code) => code in operation.responses),
      }).toEqual({ route, declared: ['400', '413'] });
    }
    // A NUL character or an unpaired surrogate in a path or a query is refused on any route.
    const withoutInvalidText = operations.filter(
      ({ operation }) => !operation.responses['422']?.description.includes('invalid_text'),
    );
    expect(withoutInvalidText.map(({ route }) => route)).toEqual([]);
  });

  it('says that DELETE /v1/event-types/{name} archives, and that the type stays readable', async () => {
    type Operation = { summary: string; description?: string };
    const { paths } = (await client.request<Document>('GET', '/openapi.json')).body;
    const item = (paths as Record<string, Record<string, Operation>>)['/v1/event-types/{name}'];
    expect(item.delete.description).toContain('still answers 200');
    expect(item.get.description).toContain('archived_at');
  });

  it('serves Swagger UI at /docs from the package, under a policy that allows no inline script', async () => {
    const page = await fetch(`${appUrl(app)}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const policy = page.headers.get('content-security-policy');
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("style-src 'self';");
    const html = await page.text();
    expect(html).not.toMatch(/<script>/); // every script is a file
    const start = await fetch(`${appUrl(app)}/docs/start.js`);
    expect(await start.text()).toContain("url: '/openapi.json'");
    for (const [file, type] of [
      ['swagger-ui-bundle.js', 'text/javascript'],
      ['swagger-ui.css', 'text/css'],
      ['favicon-32x32.png', 'image/png'],
    ]) {
      expect(html).toContain(`/docs/viewer/${file}`);
      const asset = await fetch(`${appUrl(app)}/docs/viewer/${file}`);
      expect([file, asset.status, asset.headers.get('content-type')]).toEqual([
        file,
        200,
        expect.stringContaining(type),
      ]);
    }
    // Only the files the page loads: nothing else of the package, nothing outside it.
    for (const file of [
      'package.json',
      'index.html',
      '..%2Fpackage.json',
      'swagger-ui-bundle.js.map',
    ]) {
      expect((await fetch(`${appUrl(app)}/docs/viewer/${file}`)).status).toBe(404);
    }
  });

  // Long enough for scripts/ensure-chromium.sh to install Chromium on a machine without it.
  it('renders every operation of the document in a real browser, with no policy violation', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${appUrl(app)}/docs`);
      const { paths } = (await client.request<Document>('GET', '/openapi.json')).body;
      const operations = Object.values(paths).reduce(
        (sum, item) => sum + Object.keys(item).length,
        0,
      );
      // Swagger UI draws one block per operation, under its tag, once it has read the document.
      await page
        .locator('.opblock')
        .nth(operations - 1)
        .waitFor({ timeout: 30_000 });
      expect(await page.locator('.opblock').count()).toBe(operations);
      expect(await page.locator('.info .title').innerText()).toContain('Herald');
      await page
        .locator('.opblock-summary-path', { hasText: '/v1/subscriptions' })
        .first()
        .waitFor();
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 600_000);
});
