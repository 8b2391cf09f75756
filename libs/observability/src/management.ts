import type { HeraldMetrics } from './metrics';
import type { Readiness } from './readiness';

export interface ManagementAnswer {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The answer of a management path — `/metrics`, `/health/live`, `/health/ready` (and `/health`, its
 * old name) — or null for any other path. Served on each service's HTTP port and, with
 * `HERALD_METRICS_PORT`, on a listener of its own.
 */
export async function answerManagement(
  path: string,
  readiness: Readiness,
  metrics: HeraldMetrics,
): Promise<ManagementAnswer | null> {
  switch (path) {
    case '/metrics':
      return {
        status: 200,
        contentType: metrics.registry.contentType,
        body: await metrics.registry.metrics(),
      };
    case '/health/live': {
      const failed = readiness.failures();
      return Object.keys(failed).length === 0
        ? { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ status: 'ok' }) }
        : {
            status: 503,
            contentType: JSON_TYPE,
            body: JSON.stringify({ status: 'failed', failed }),
          };
    }
    case '/health':
    case '/health/ready': {
      const report = await readiness.report();
      return {
        status: report.ready ? 200 : 503,
        contentType: JSON_TYPE,
        body: JSON.stringify({
          status: report.ready ? 'ready' : 'not_ready',
          checks: report.checks,
        }),
      };
    }
    default:
      return null;
  }
}
