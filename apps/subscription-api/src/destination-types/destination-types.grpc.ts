import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { destinationTypes } from '@herald/domain';
import { Allow } from '../auth/principal';

/** `herald.admin.v1.AdminService` ListDestinationTypes: the same registry as REST. */
@Controller()
@Allow('tenant')
export class DestinationTypesGrpcController {
  @GrpcMethod('AdminService', 'ListDestinationTypes')
  list() {
    return { data: destinationTypes() };
  }
}
