import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Allow, TenantId } from '../auth/principal';
import { SubscriptionDeliveriesService } from './subscription-deliveries.service';
import { readRecover, readTestDelivery } from './subscription-delivery-input';
import { readPreview } from '../common/preview';
import { SubscriptionPreviewService } from './subscription-preview.service';

/**
 * Tenant routes that send to one subscription — a test event, recovering failed deliveries — and the
 * preview of what it would be sent.
 */
@Controller('v1/subscriptions/:id')
@Allow('tenant')
export class SubscriptionActionsController {
  constructor(
    private readonly deliveries: SubscriptionDeliveriesService,
    private readonly previews: SubscriptionPreviewService,
  ) {}

  /** Whether an event would be delivered, and the exact body and headers; sends nothing. */
  @Post('preview')
  @HttpCode(200)
  preview(@TenantId() tenantId: string, @Param('id') id: string, @Body() body: unknown) {
    return this.previews.preview(tenantId, id, readPreview(body, tenantId));
  }

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
