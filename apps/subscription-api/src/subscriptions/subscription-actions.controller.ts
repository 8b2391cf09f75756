import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Allow, TenantId } from '../auth/principal';
import { SubscriptionDeliveriesService } from '../deliveries/subscription-deliveries.service';
import { readRecover, readTestDelivery } from '../deliveries/subscription-delivery-input';

/** Tenant routes that send to one subscription: a test event, and recovering failed deliveries. */
@Controller('v1/subscriptions/:id')
@Allow('tenant')
export class SubscriptionActionsController {
  constructor(private readonly deliveries: SubscriptionDeliveriesService) {}

  /** 200 with the first attempt once it is made; 202 with the delivery if it is still under way. */
  @Post('test')
  async test(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { attempted, delivery, attempt } = await this.deliveries.test(
      tenantId,
      id,
      readTestDelivery(body),
    );
    response.status(attempted ? 200 : 202);
    return { delivery, attempt };
  }

  @Post('recover')
  @HttpCode(202)
  recover(@TenantId() tenantId: string, @Param('id') id: string, @Body() body: unknown) {
    return this.deliveries.recover(tenantId, id, readRecover(body).since);
  }
}
