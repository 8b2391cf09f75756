import { Controller, Get, Req, Res, SetMetadata } from '@nestjs/common';
import type { Request, Response } from 'express';
import { answerManagement } from './management';
import { HeraldMetrics } from './metrics';
import { Readiness } from './readiness';

export const PUBLIC_ROUTE = 'herald:public-route';
/** Marks a route that needs no credentials (health, metrics). */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** Liveness, readiness and metrics, on every service's HTTP port. */
@Controller()
@PublicRoute()
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    private readonly metrics: HeraldMetrics,
  ) {}

  @Get(['health', 'health/live', 'health/ready', 'metrics'])
  async answer(@Req() request: Request, @Res() response: Response): Promise<void> {
    const answer = await answerManagement(request.path, this.readiness, this.metrics);
    if (!answer) {
      response.status(404).end();
      return;
    }
    response.status(answer.status).type(answer.contentType).send(answer.body);
  }
}
