import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HERALD_CONFIG, type HeraldConfig } from '@herald/config';
import { constantTimeEqual } from '@herald/domain';
import { TenantsRepository } from '@herald/persistence';
import { PUBLIC_ROUTE } from '@herald/runtime';
import { ApiError } from '../errors/api-error';
import { ACCESS, type Access, type AuthenticatedRequest } from './principal';

/** Bearer authentication: the operator token manages tenants; a tenant API key sees its own tenant. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly tenants: TenantsRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets)) return true;
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, targets);
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token)
      throw new ApiError('unauthorized', 'missing bearer token in the Authorization header');

    if (this.config.adminToken && constantTimeEqual(token, this.config.adminToken)) {
      request.principal = { kind: 'operator' };
    } else {
      const key = await this.tenants.tenantForApiKey(token);
      if (!key)
        throw new ApiError(
          'unauthorized',
          'the bearer token is not a valid operator token or API key',
        );
      request.principal = { kind: 'tenant', tenantId: key.tenantId, keyId: key.keyId };
    }
    if (access === undefined || request.principal.kind !== access) {
      throw new ApiError(
        'forbidden',
        `this route needs ${access === 'operator' ? 'the operator token' : 'a tenant API key'}`,
      );
    }
    return true;
  }
}
