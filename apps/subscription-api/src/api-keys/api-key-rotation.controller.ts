import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Allow, TenantId } from '../auth/principal';
import { assertValid, BodyReader } from '../common/body-reader';
import { ApiKeysService } from './api-keys.service';
import { CallerKeyId } from './caller-key-id';

/** Tenant route: rotate the key the request is made with. */
@Controller('v1/api-keys')
@Allow('tenant')
export class ApiKeyRotationController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** The new key is in this response only; the calling key keeps working for the grace period. */
  @Post('rotate')
  @HttpCode(201)
  rotate(@TenantId() tenantId: string, @CallerKeyId() keyId: string, @Body() body: unknown) {
    const reader = new BodyReader(body ?? {});
    const name = reader.string('name', { max: 200 });
    reader.onlyKnown(['name']);
    assertValid(reader);
    return this.apiKeys.rotate(tenantId, keyId, name);
  }
}
