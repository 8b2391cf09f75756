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

/** The calling tenant's id; only on tenant routes, where the guard has set it. */
export const TenantId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (principal?.kind !== 'tenant')
    throw new Error('TenantId used on a route that is not tenant-only');
  return principal.tenantId;
});
