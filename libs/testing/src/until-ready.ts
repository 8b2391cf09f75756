import type { INestApplication } from '@nestjs/common';
import { Readiness } from '@herald/observability';
import { waitFor } from './wait-for';

/**
 * Waits until an in-process service reports ready — its consumer groups joined — as a load balancer
 * would before sending it traffic (services start consuming in the background).
 */
export async function untilReady(app: INestApplication, timeoutMs = 60_000): Promise<void> {
  const readiness = app.get(Readiness);
  await waitFor(
    'the service to report ready',
    async () => (await readiness.report()).ready,
    timeoutMs,
  );
}
