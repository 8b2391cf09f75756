import { Controller, Get } from '@nestjs/common';
import { destinationTypes } from '@herald/domain';
import { Allow } from '../auth/principal';

/** The kinds of destination a subscription can use and their settings, for a UI to draw its forms. */
@Controller('v1/destination-types')
@Allow('tenant')
export class DestinationTypesController {
  @Get()
  list() {
    return { data: destinationTypes() };
  }
}
