import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Allow, TenantId } from '../auth/principal';
import { readApiKeyName } from './api-key-input';
import { ApiKeysService } from './api-keys.service';
import { CallerKeyId } from './caller-key-id';

/** Tenant route: rotate the key the request is made with (a console session has no key to rotate). */
@Controller('v1/api-keys')
@Allow('tenant_key')
export class ApiKeyRotationController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** The new key is in this response only; the calling key keeps working for the grace period. */
  @Post('rotate')
  @HttpCode(201)
  rotate(@TenantId() tenantId: string, @CallerKeyId() keyId: string, @Body() body: unknown) {
    return this.apiKeys.rotate(tenantId, keyId, readApiKeyName(body));
  }
}
