import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Allow, TenantId } from '../auth/principal';
import { SubscriptionDeliveriesService } from '../deliveries/subscription-deliveries.service';
import { readRecover, readTestDelivery } from '../deliveries/subscription-delivery-input';
import { GrpcField } from '../grpc/grpc-field';
import { payloadInData, restBody, withoutNulls } from '../grpc/grpc-mapping';

/** `herald.admin.v1.AdminService` TestSubscription and RecoverSubscription; the same service as REST. */
@Controller()
@Allow('tenant')
export class SubscriptionActionsGrpcController {
  constructor(private readonly deliveries: SubscriptionDeliveriesService) {}

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

  @GrpcMethod('AdminService', 'RecoverSubscription')
  recover(@GrpcField('id') id: string, @Payload() request: object, @TenantId() tenantId: string) {
    const { since } = readRecover(restBody(request, {}, ['id']));
    return this.deliveries.recover(tenantId, id, since);
  }
}
