import { HeraldMetrics, DELIVERY_LATENCY_BUCKETS } from './metrics';

describe('HeraldMetrics', () => {
  it('labels every series with its service, one registry per service', async () => {
    const api = new HeraldMetrics('subscription-api');
    const deliverer = new HeraldMetrics('deliverer');
    api.httpRequests.inc({ method: 'GET', route: '/v1/events', status_code: '200' });
    const text = await api.registry.metrics();
    expect(text).toContain(
      'herald_http_requests_total{method="GET",route="/v1/events",status_code="200",service="subscription-api"} 1',
    );
    expect(await deliverer.registry.metrics()).not.toContain('route="/v1/events"');
  });

  it('has delivery latency buckets from sub-second up to two days', () => {
    expect(DELIVERY_LATENCY_BUCKETS[0]).toBeLessThan(1);
    expect(DELIVERY_LATENCY_BUCKETS).toContain(86_400);
    expect(DELIVERY_LATENCY_BUCKETS[DELIVERY_LATENCY_BUCKETS.length - 1]).toBe(172_800);
  });

  it('reads a gauge when scraped and reuses the value within its cache time', async () => {
    const metrics = new HeraldMetrics('deliverer');
    let reads = 0;
    metrics.gauge(
      { name: 'herald_test_depth', help: 'test', labelNames: ['topic'] },
      () => Promise.resolve([{ labels: { topic: 't' }, value: ++reads * 10 }]),
      60_000,
    );
    const series = 'herald_test_depth{topic="t",service="deliverer"}';
    expect(await metrics.registry.metrics()).toContain(`${series} 10`);
    expect(await metrics.registry.metrics()).toContain(`${series} 10`);
    expect(reads).toBe(1);
  });

  it('keeps the last values when a read fails, reports none before a first success, and reads again next time', async () => {
    const metrics = new HeraldMetrics('deliverer');
    let fail = true;
    let reads = 0;
    metrics.gauge(
      { name: 'herald_test_lag', help: 'test', labelNames: ['topic'] },
      () => {
        reads++;
        return fail
          ? Promise.reject(new Error('broker down'))
          : Promise.resolve([{ labels: { topic: 't' }, value: 7 }]);
      },
      0,
    );
    const series = 'herald_test_lag{topic="t",service="deliverer"}';
    expect(await metrics.registry.metrics()).not.toContain(series);
    fail = false;
    expect(await metrics.registry.metrics()).toContain(`${series} 7`);
    fail = true;
    expect(await metrics.registry.metrics()).toContain(`${series} 7`);
    expect(reads).toBe(3);
  });
});
