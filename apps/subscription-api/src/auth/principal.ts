import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { ConsolePage } from '@herald/domain';

export type Principal =
  | { kind: 'operator' }
  | { kind: 'tenant'; tenantId: string; keyId: string }
  /** A console session (`hcs_…`) opened from a console link: the tenant's rights, or only reads. */
  | {
      kind: 'console_session';
      tenantId: string;
      sessionId: string;
      readOnly: boolean;
      pages: ConsolePage[] | null;
    };

/**
 * Who may call a route:
 * - `operator`: the operator token;
 * - `tenant`: a tenant's API key or one of its console sessions (a read-only session: reads only);
 * - `tenant_key`: a tenant's API key only (managing the keys themselves);
 * - `tenant_key_or_operator`: a tenant's API key for itself, or the operator for any tenant
 *   (making console links: a session cannot mint another, so it cannot outlive or widen itself);
 * - `anyone`: all three, for a route that checks the rest itself (a session revoking itself).
 */
export type Access = 'operator' | 'tenant' | 'tenant_key' | 'tenant_key_or_operator' | 'anyone';

export const ACCESS = 'herald:access';
/** Who may call a route; routes without it are refused, so a forgotten annotation fails closed. */
export const Allow = (access: Access): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS, access);

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** gRPC calls have no request object; their principal is kept against the call's metadata. */
const rpcPrincipals = new WeakMap<object, Principal>();

export function setPrincipal(context: ExecutionContext, principal: Principal): void {
  if (context.getType() === 'rpc')
    rpcPrincipals.set(context.switchToRpc().getContext<object>(), principal);
  else context.switchToHttp().getRequest<AuthenticatedRequest>().principal = principal;
}

export function principalOf(context: ExecutionContext): Principal | undefined {
  return context.getType() === 'rpc'
    ? rpcPrincipals.get(context.switchToRpc().getContext<object>())
    : context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
}

/** The caller, whoever the route's `Allow` let in. */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = principalOf(context);
  if (!principal) throw new Error('Caller used on a route without authentication');
  return principal;
});

/**
 * The calling tenant's id, over REST or gRPC, by API key or console session; only on tenant routes,
 * where the guard has set it.
 */
export const TenantId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const principal = principalOf(context);
  if (principal?.kind !== 'tenant' && principal?.kind !== 'console_session')
    throw new Error('TenantId used on a route that is not tenant-only');
  return principal.tenantId;
});
