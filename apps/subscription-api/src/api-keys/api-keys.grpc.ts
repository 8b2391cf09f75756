import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Allow, TenantId } from '../auth/principal';
import { readPageQuery } from '../common/query-schema';
import { GrpcField } from '../grpc/grpc-field';
import { grpcPage, requiredStrings, restBody, restQuery, withoutNulls } from '../grpc/grpc-mapping';
import { readApiKeyName } from './api-key-input';
import { ApiKeysService } from './api-keys.service';
import { CallerKeyId } from './caller-key-id';

/**
 * `herald.admin.v1.AdminService` API key operations; the same service as REST. Listing and revoking
 * are the operator's; rotating is the calling tenant key's own.
 */
@Controller()
@Allow('operator')
export class ApiKeysGrpcController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @GrpcMethod('AdminService', 'ListApiKeys')
  async list(@GrpcField('tenant_id') tenantId: string, @Payload() request: object) {
    const page = readPageQuery(restQuery(request, ['tenant_id']));
    return grpcPage(await this.apiKeys.list(tenantId, page), (key) => key);
  }

  @GrpcMethod('AdminService', 'RevokeApiKey')
  async revoke(@Payload() request: object) {
    const { tenant_id, key_id } = requiredStrings(request, 'tenant_id', 'key_id');
    await this.apiKeys.revoke(tenant_id, key_id);
    return {};
  }

  @GrpcMethod('AdminService', 'RotateApiKey')
  @Allow('tenant_key')
  async rotate(
    @Payload() request: object,
    @TenantId() tenantId: string,
    @CallerKeyId() keyId: string,
  ) {
    const name = readApiKeyName(restBody(request));
    return withoutNulls(await this.apiKeys.rotate(tenantId, keyId, name));
  }
}
