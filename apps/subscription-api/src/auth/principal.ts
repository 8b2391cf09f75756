import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

export type Principal = { kind: 'operator' } | { kind: 'tenant'; tenantId: string; keyId: string };
export type Access = 'operator' | 'tenant';

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

/** The calling tenant's id, over REST or gRPC; only on tenant routes, where the guard has set it. */
export const TenantId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const principal = principalOf(context);
  if (principal?.kind !== 'tenant')
    throw new Error('TenantId used on a route that is not tenant-only');
  return principal.tenantId;
});
