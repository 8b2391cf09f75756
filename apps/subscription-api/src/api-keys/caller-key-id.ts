import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { principalOf } from '../auth/principal';

/** The id of the API key the caller authenticated with; only on tenant routes. */
export const CallerKeyId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const principal = principalOf(context);
  if (principal?.kind !== 'tenant')
    throw new Error('CallerKeyId used on a route that is not tenant-only');
  return principal.keyId;
});
