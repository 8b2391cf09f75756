import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import type { Metadata } from '@grpc/grpc-js';
import { HERALD_CONFIG } from '@herald/config';
import { constantTimeEqual, isConsoleSessionKey } from '@herald/domain';
import { ConsoleSessionsRepository, TenantsRepository } from '@herald/persistence';
import { PUBLIC_ROUTE } from '@herald/observability';
import { ApiError } from '../errors/api-error';
import {
  ACCESS,
  setPrincipal,
  type Access,
  type AuthenticatedRequest,
  type Principal,
} from './principal';
import type { SubscriptionApiConfig } from '../subscription-api.config';

const WHO: Record<Access, string> = {
  operator: 'the operator token',
  tenant: 'a tenant API key or console session',
  tenant_key: 'a tenant API key',
  tenant_key_or_operator: 'a tenant API key or the operator token',
  anyone: 'a token',
};

function admits(access: Access, principal: Principal): boolean {
  switch (access) {
    case 'operator':
      return principal.kind === 'operator';
    case 'tenant':
      return principal.kind === 'tenant' || principal.kind === 'console_session';
    case 'tenant_key':
      return principal.kind === 'tenant';
    case 'tenant_key_or_operator':
      return principal.kind === 'tenant' || principal.kind === 'operator';
    case 'anyone':
      return true;
  }
}

/**
 * Whether the call only reads: over REST a GET or HEAD, over gRPC a `Get…` or `List…` method (the
 * proto names every read so). A read-only console session may make no other call.
 */
function onlyReads(context: ExecutionContext): boolean {
  if (context.getType() === 'rpc') {
    const patterns = Reflect.getMetadata(PATTERN_METADATA, context.getHandler()) as
      { rpc?: string }[] | undefined;
    return /^(Get|List)[A-Z]/.test(patterns?.[0]?.rpc ?? '');
  }
  const method = context.switchToHttp().getRequest<AuthenticatedRequest>().method;
  return method === 'GET' || method === 'HEAD';
}

/**
 * Bearer authentication for REST (`Authorization` header) and gRPC (`authorization` metadata):
 * the operator token manages tenants; a tenant API key sees its own tenant; a console session
 * (`hcs_…`, from a console link) sees its tenant too, through tenant routes only.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(HERALD_CONFIG) private readonly config: SubscriptionApiConfig,
    private readonly tenants: TenantsRepository,
    private readonly consoleSessions: ConsoleSessionsRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets)) return true;
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, targets);
    const principal = await this.authenticate(bearerToken(context));
    if (access === undefined || !admits(access, principal)) {
      throw new ApiError('forbidden', `this operation needs ${WHO[access ?? 'operator']}`);
    }
    // `anyone` routes check the session themselves (a read-only session may still end itself).
    if (
      principal.kind === 'console_session' &&
      principal.readOnly &&
      access === 'tenant' &&
      !onlyReads(context)
    ) {
      throw new ApiError('read_only', 'this console session is read-only');
    }
    setPrincipal(context, principal);
    return true;
  }

  private async authenticate(token: string | undefined): Promise<Principal> {
    if (!token)
      throw new ApiError('unauthorized', 'missing bearer token in the Authorization header');
    if (this.config.auth.adminToken && constantTimeEqual(token, this.config.auth.adminToken))
      return { kind: 'operator' };
    if (isConsoleSessionKey(token)) return this.consoleSession(token);
    const key = await this.tenants.tenantForApiKey(token);
    if (!key)
      throw new ApiError(
        'unauthorized',
        'the bearer token is not a valid operator token or API key',
      );
    return { kind: 'tenant', tenantId: key.tenantId, keyId: key.keyId };
  }

  private async consoleSession(key: string): Promise<Principal> {
    const found = await this.consoleSessions.forKey(key);
    if (!found) throw new ApiError('unauthorized', 'the console session key is not valid');
    if (found.refused === 'session_revoked')
      throw new ApiError('session_revoked', 'this console session was revoked');
    if (found.refused === 'session_expired')
      throw new ApiError('session_expired', 'this console session has expired');
    const { session } = found;
    return {
      kind: 'console_session',
      tenantId: session.tenantId,
      sessionId: session.id,
      readOnly: session.readOnly,
      pages: session.pages,
    };
  }
}

function bearerToken(context: ExecutionContext): string | undefined {
  const header =
    context.getType() === 'rpc'
      ? String(context.switchToRpc().getContext<Metadata>().get('authorization')[0] ?? '')
      : (context.switchToHttp().getRequest<AuthenticatedRequest>().headers.authorization ?? '');
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}
