import { answerManagement } from './management';
import { HeraldMetrics } from './metrics';
import { Readiness } from './readiness';

describe('answerManagement', () => {
  const metrics = new HeraldMetrics('deliverer');

  it('answers liveness 200 while nothing failed for good, 503 naming what did', async () => {
    const readiness = new Readiness();
    let failure: string | null = null;
    readiness.registerLiveness('consumer herald.deliverer', () => failure);
    expect(await answerManagement('/health/live', readiness, metrics)).toMatchObject({
      status: 200,
      body: '{"status":"ok"}',
    });
    failure = 'crashed';
    const failed = await answerManagement('/health/live', readiness, metrics);
    expect(failed?.status).toBe(503);
    expect(JSON.parse(failed?.body ?? '')).toEqual({
      status: 'failed',
      failed: { 'consumer herald.deliverer': 'crashed' },
    });
  });

  it('answers readiness 503 with the failing check, /health the same, and metrics as Prometheus text', async () => {
    const readiness = new Readiness();
    readiness.register('kafka', () => Promise.reject(new Error('broker down')));
    for (const path of ['/health/ready', '/health']) {
      const answer = await answerManagement(path, readiness, metrics);
      expect(answer?.status).toBe(503);
      expect(JSON.parse(answer?.body ?? '')).toEqual({
        status: 'not_ready',
        checks: { kafka: 'broker down' },
      });
    }
    const scraped = await answerManagement('/metrics', readiness, metrics);
    expect(scraped?.contentType).toContain('text/plain');
    expect(scraped?.body).toContain('process_cpu_seconds_total{service="deliverer"}');
    expect(await answerManagement('/v1/events', readiness, metrics)).toBeNull();
  });
});
