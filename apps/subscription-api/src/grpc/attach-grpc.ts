import type { INestApplication } from '@nestjs/common';
import type { HeraldConfig } from '@herald/config';
import { grpcOptions } from './grpc-options';

/** Serves the gRPC admin API next to REST, with the same guards and filters; port 0 turns it off. */
export async function attachGrpc(app: INestApplication, config: HeraldConfig): Promise<void> {
  if (config.grpcPort === 0) return;
  app.connectMicroservice(grpcOptions(config.grpcPort), { inheritAppConfig: true });
  await app.startAllMicroservices();
}
