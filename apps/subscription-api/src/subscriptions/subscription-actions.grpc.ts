import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Allow, TenantId } from '../auth/principal';
import { SubscriptionDeliveriesService } from './subscription-deliveries.service';
import { readRecover, readTestDelivery } from './subscription-delivery-input';
import { GrpcField } from '../grpc/grpc-field';
import { payloadInData, restBody, withoutNulls } from '../grpc/grpc-mapping';
import { previewBody, previewMessage } from '../grpc/preview-mapping';
import { readPreview } from '../common/preview';
import { SubscriptionPreviewService } from './subscription-preview.service';

/**
 * `herald.admin.v1.AdminService` TestSubscription, PreviewSubscription and RecoverSubscription; the
 * same service as REST.
 */
@Controller()
@Allow('tenant')
export class SubscriptionActionsGrpcController {
  constructor(
    private readonly deliveries: SubscriptionDeliveriesService,
    private readonly previews: SubscriptionPreviewService,
  ) {}

  /** REST tells an attempt made (200) from one still under way (202); here `attempted` does. */
  @GrpcMethod('AdminService', 'TestSubscription')
  async test(
    @GrpcField('id') id: string,
    @Payload() request: object,
    @TenantId() tenantId: string,
  ) {
    const input = readTestDelivery(
      payloadInData(restBody(request, { data: 'struct', data_value: 'value' }, ['id'])),
    );
    return withoutNulls(await this.deliveries.test(tenantId, id, input));
  }

  @GrpcMethod('AdminService', 'PreviewSubscription')
  async preview(
    @GrpcField('id') id: string,
    @Payload() request: { event_id?: string; event?: object },
    @TenantId() tenantId: string,
  ) {
    const source = readPreview(previewBody(request), tenantId);
    return previewMessage(await this.previews.preview(tenantId, id, source));
  }

  @GrpcMethod('AdminService', 'RecoverSubscription')
  recover(@GrpcField('id') id: string, @Payload() request: object, @TenantId() tenantId: string) {
    const { since } = readRecover(restBody(request, {}, ['id']));
    return this.deliveries.recover(tenantId, id, since);
  }
}
