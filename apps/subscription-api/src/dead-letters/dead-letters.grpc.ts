import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Allow, TenantId } from '../auth/principal';
import { grpcPage, restBody, restQuery } from '../grpc/grpc-mapping';
import { DeadLettersService } from './dead-letters.service';
import { readDeadLetterListQuery, readRedrive } from './redrive-input';

/** `herald.admin.v1.AdminService` dead-letter operations; the same service as REST. */
@Controller()
@Allow('tenant')
export class DeadLettersGrpcController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @GrpcMethod('AdminService', 'ListDeadLetters')
  async list(@Payload() request: object, @TenantId() tenantId: string) {
    const { range, includeRedriven, page } = readDeadLetterListQuery(restQuery(request));
    return grpcPage(
      await this.deadLetters.list(tenantId, range, includeRedriven, page),
      (deadLetter) => deadLetter,
    );
  }

  @GrpcMethod('AdminService', 'RedriveDeadLetters')
  redrive(@Payload() request: object, @TenantId() tenantId: string) {
    return this.deadLetters.redrive(
      tenantId,
      readRedrive(restBody(request, { ids: 'string_list' })),
    );
  }
}
