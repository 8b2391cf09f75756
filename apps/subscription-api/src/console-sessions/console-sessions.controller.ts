import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import type { Request } from 'express';
import { PublicRoute } from '@herald/observability';
import { Allow, Caller, type Principal } from '../auth/principal';
import type { Query as QueryParameters } from '../common/query-schema';
import {
  readConsoleSessionListQuery,
  readExchange,
  readNewConsoleSession,
  readRevokeAll,
} from './console-session-input';
import { ConsoleSessionsService } from './console-sessions.service';
import type { SubscriptionApiConfig } from '../subscription-api.config';

type Manager = Extract<Principal, { kind: 'tenant' | 'operator' }>;

/**
 * Where the link's reader reaches the console: `HERALD_PUBLIC_URL` when set (behind a proxy the
 * request's own host and scheme are the proxy's inside view), else the origin this request came in
 * on, since the console is served by this same service.
 */
const consoleBase = (publicUrl: string | null, request: Request): string => {
  if (publicUrl !== null) return publicUrl;
  const host = request.get('host');
  // Without a Host header (HTTP/1.0) the link is the path alone, as over gRPC.
  return host ? `${request.protocol}://${host}` : '';
};

/**
 * Console links: made and managed with a tenant API key (for its tenant) or the operator token
 * (with `tenant_id`); exchanged without credentials, since the link's token is the credential.
 */
@Controller('v1/console-sessions')
@Allow('tenant_key_or_operator')
export class ConsoleSessionsController {
  constructor(
    private readonly sessions: ConsoleSessionsService,
    @Inject(HERALD_CONFIG) private readonly config: SubscriptionApiConfig,
  ) {}

  /** The link's token is in this answer's `url` only. */
  @Post()
  @HttpCode(201)
  create(@Caller() caller: Manager, @Body() body: unknown, @Req() request: Request) {
    return this.sessions.create(
      caller,
      readNewConsoleSession(body),
      consoleBase(this.config.console.publicUrl, request),
    );
  }

  /** Any `Authorization` header is ignored: the token in the body is all that is checked. */
  @Post('exchange')
  @PublicRoute()
  @HttpCode(200)
  exchange(@Body() body: unknown) {
    return this.sessions.exchange(readExchange(body));
  }

  @Get()
  list(@Caller() caller: Manager, @Query() query: QueryParameters) {
    const { tenantId, page } = readConsoleSessionListQuery(query);
    return this.sessions.list(caller, tenantId, page);
  }

  @Post('revoke-all')
  @HttpCode(200)
  revokeAll(@Caller() caller: Manager, @Body() body: unknown) {
    return this.sessions.revokeAll(caller, readRevokeAll(body).tenantId);
  }

  /** A console session may revoke itself (signing out), even a read-only one. */
  @Delete(':id')
  @Allow('anyone')
  @HttpCode(204)
  async revoke(@Caller() caller: Principal, @Param('id') id: string): Promise<void> {
    await this.sessions.revoke(caller, id);
  }
}
