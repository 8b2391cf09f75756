import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { HeraldMetrics } from '@herald/observability';

/**
 * RED metrics of a service's HTTP port: requests and their duration by method, route template (never
 * the raw path, which holds ids) and status code.
 */
export function httpMetrics(
  app: INestApplication,
): (request: Request, response: Response, next: NextFunction) => void {
  const metrics = app.get(HeraldMetrics);
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const route = (request.route as { path?: unknown } | undefined)?.path;
      const labels = {
        method: request.method,
        route: typeof route === 'string' ? `${request.baseUrl}${route}` : 'unmatched',
        status_code: String(response.statusCode),
      };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, HeraldMetrics.since(started));
    });
    next();
  };
}
