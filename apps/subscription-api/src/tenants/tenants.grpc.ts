import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Allow } from '../auth/principal';
import { readPageQuery } from '../common/query-schema';
import { grpcPage, restQuery, withoutNulls } from '../grpc/grpc-mapping';
import { TenantsService } from './tenants.service';

/** `herald.admin.v1.AdminService` tenant operations; the same service as REST. */
@Controller()
@Allow('operator')
export class TenantsGrpcController {
  constructor(private readonly tenants: TenantsService) {}

  @GrpcMethod('AdminService', 'CreateTenant')
  async create(@Payload() request: { name?: string; retention?: string }) {
    return withoutNulls(await this.tenants.create(request));
  }

  @GrpcMethod('AdminService', 'ListTenants')
  async list(@Payload() request: object) {
    return grpcPage(await this.tenants.list(readPageQuery(restQuery(request))), (tenant) => tenant);
  }

  @GrpcMethod('AdminService', 'GetTenant')
  async get(@Payload() request: { id: string }) {
    return withoutNulls(await this.tenants.get(request.id));
  }

  /** `retention` left out keeps it; an empty string returns the tenant to the default. */
  @GrpcMethod('AdminService', 'UpdateTenant')
  async update(@Payload() request: { id: string; retention?: string }) {
    const body =
      request.retention === undefined
        ? {}
        : { retention: request.retention === '' ? null : request.retention };
    return withoutNulls(await this.tenants.update(request.id, body));
  }

  @GrpcMethod('AdminService', 'CreateApiKey')
  async createApiKey(@Payload() request: { tenant_id: string; name?: string }) {
    return withoutNulls(await this.tenants.createApiKey(request.tenant_id, { name: request.name }));
  }
}
