import type { INestApplication } from '@nestjs/common';

import { grpcOptions } from './grpc-options';
import type { SubscriptionApiConfig } from '../subscription-api.config';

/** Serves the gRPC admin API next to REST, with the same guards and filters; port 0 turns it off. */
export async function attachGrpc(
  app: INestApplication,
  config: SubscriptionApiConfig,
): Promise<void> {
  if (config.server.grpcPort === 0) return;
  app.connectMicroservice(grpcOptions(config.server.grpcPort), { inheritAppConfig: true });
  await app.startAllMicroservices();
}
