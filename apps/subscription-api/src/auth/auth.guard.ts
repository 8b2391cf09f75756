import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Metadata } from '@grpc/grpc-js';
import { HERALD_CONFIG, type HeraldConfig } from '@herald/config';
import { constantTimeEqual } from '@herald/domain';
import { TenantsRepository } from '@herald/persistence';
import { PUBLIC_ROUTE } from '@herald/observability';
import { ApiError } from '../errors/api-error';
import {
  ACCESS,
  setPrincipal,
  type Access,
  type AuthenticatedRequest,
  type Principal,
} from './principal';

/**
 * Bearer authentication for REST (`Authorization` header) and gRPC (`authorization` metadata):
 * the operator token manages tenants; a tenant API key sees its own tenant.
 */
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
    const principal = await this.authenticate(bearerToken(context));
    if (access === undefined || principal.kind !== access) {
      throw new ApiError(
        'forbidden',
        `this operation needs ${access === 'operator' ? 'the operator token' : 'a tenant API key'}`,
      );
    }
    setPrincipal(context, principal);
    return true;
  }

  private async authenticate(token: string | undefined): Promise<Principal> {
    if (!token)
      throw new ApiError('unauthorized', 'missing bearer token in the Authorization header');
    if (this.config.adminToken && constantTimeEqual(token, this.config.adminToken))
      return { kind: 'operator' };
    const key = await this.tenants.tenantForApiKey(token);
    if (!key)
      throw new ApiError(
        'unauthorized',
        'the bearer token is not a valid operator token or API key',
      );
    return { kind: 'tenant', tenantId: key.tenantId, keyId: key.keyId };
  }
}

function bearerToken(context: ExecutionContext): string | undefined {
  const header =
    context.getType() === 'rpc'
      ? String(context.switchToRpc().getContext<Metadata>().get('authorization')[0] ?? '')
      : (context.switchToHttp().getRequest<AuthenticatedRequest>().headers.authorization ?? '');
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}
