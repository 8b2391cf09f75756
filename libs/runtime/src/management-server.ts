import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HERALD_CONFIG, type ConfigOf } from '@herald/config';
import { answerManagement, HeraldMetrics, Readiness } from '@herald/observability';

/**
 * With `HERALD_METRICS_PORT`, a second listener serves `/metrics` and the health endpoints, so the
 * API's public port need not expose them (the Helm chart scrapes this port).
 */
@Injectable()
export class ManagementServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | null = null;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: ConfigOf<'server'>,
    private readonly metrics: HeraldMetrics,
    private readonly readiness: Readiness,
  ) {}

  get port(): number | null {
    return this.server ? (this.server.address() as AddressInfo).port : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.server.metricsPort === null) return;
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      void answerManagement(path, this.readiness, this.metrics).then(
        (answer) => {
          if (!answer || request.method !== 'GET') response.writeHead(404).end();
          else
            response
              .writeHead(answer.status, { 'content-type': answer.contentType })
              .end(answer.body);
        },
        () => response.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.server.metricsPort ?? 0, '0.0.0.0', () => resolve());
    });
    this.server = server;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
