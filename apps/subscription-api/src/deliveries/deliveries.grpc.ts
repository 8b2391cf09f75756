import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Allow, TenantId } from '../auth/principal';
import { GrpcField } from '../grpc/grpc-field';
import { grpcPage, restQuery, withoutNulls } from '../grpc/grpc-mapping';
import { DeliveriesService } from './deliveries.service';
import { readDeliveryListQuery } from './delivery-list-query';

/**
 * `herald.admin.v1.AdminService` delivery operations; the same service as REST. The list takes the
 * same filters as `GET /v1/deliveries`; CSV export is REST's alone.
 */
@Controller()
@Allow('tenant')
export class DeliveriesGrpcController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @GrpcMethod('AdminService', 'ListDeliveries')
  async list(@Payload() request: object, @TenantId() tenantId: string) {
    const { filter, page } = readDeliveryListQuery(restQuery(request));
    return grpcPage(await this.deliveries.list(tenantId, filter, page), (delivery) => delivery);
  }

  @GrpcMethod('AdminService', 'GetDelivery')
  async get(@GrpcField('id') id: string, @TenantId() tenantId: string) {
    return withoutNulls(await this.deliveries.get(tenantId, id));
  }

  @GrpcMethod('AdminService', 'RetryDelivery')
  async retry(@GrpcField('id') id: string, @TenantId() tenantId: string) {
    return withoutNulls(await this.deliveries.retry(tenantId, id));
  }
}
