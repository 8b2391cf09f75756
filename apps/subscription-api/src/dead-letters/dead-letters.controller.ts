import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { Allow, TenantId } from '../auth/principal';
import type { Query as QueryParameters } from '../common/query-schema';
import { DeadLettersService } from './dead-letters.service';
import { readDeadLetterListQuery, readRedrive } from './redrive-input';

/** Tenant routes: deliveries that exhausted their retries, and redriving them. */
@Controller('v1/dead-letters')
@Allow('tenant')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  /** Newest first; those already redriven only with `include_redriven=true`. */
  @Get()
  list(@TenantId() tenantId: string, @Query() query: QueryParameters) {
    const { range, includeRedriven, page } = readDeadLetterListQuery(query);
    return this.deadLetters.list(tenantId, range, includeRedriven, page);
  }

  @Post('redrive')
  @HttpCode(202)
  redrive(@TenantId() tenantId: string, @Body() body: unknown) {
    return this.deadLetters.redrive(tenantId, readRedrive(body));
  }
}
