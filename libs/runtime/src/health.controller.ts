import { Controller, Get, SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'herald:public-route';
/** Marks a route that needs no credentials (health, metrics). */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

@Controller()
@PublicRoute()
export class HealthController {
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
