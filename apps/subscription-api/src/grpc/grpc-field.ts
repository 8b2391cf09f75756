import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { requiredStrings } from './grpc-mapping';

/**
 * A string field of a gRPC request that the operation needs, such as the id REST has in its path
 * (`@Param`); unset, the call is refused naming the field.
 */
export const GrpcField = createParamDecorator(
  (field: string, context: ExecutionContext): string =>
    requiredStrings(context.switchToRpc().getData<object>(), field)[field],
);
