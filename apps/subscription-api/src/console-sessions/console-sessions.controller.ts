import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { PublicRoute } from '@herald/observability';
import { Allow, Caller, type Principal } from '../auth/principal';
import type { ListQuery } from '../common/pagination';
import {
  readConsoleSessionListQuery,
  readExchange,
  readNewConsoleSession,
  readRevokeAll,
} from './console-session-input';
import { ConsoleSessionsService } from './console-sessions.service';

type Manager = Extract<Principal, { kind: 'tenant' | 'operator' }>;

/**
 * The console's origin as this request reached the API: the console is served by this same
 * service, so the host the caller used is the one the link's reader can use too. Herald has no
 * public-URL setting yet; behind a TLS-terminating proxy, set one up here (see README).
 */
const consoleBase = (request: Request): string => {
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
  constructor(private readonly sessions: ConsoleSessionsService) {}

  /** The link's token is in this answer's `url` only. */
  @Post()
  @HttpCode(201)
  create(@Caller() caller: Manager, @Body() body: unknown, @Req() request: Request) {
    return this.sessions.create(caller, readNewConsoleSession(body), consoleBase(request));
  }

  /** Any `Authorization` header is ignored: the token in the body is all that is checked. */
  @Post('exchange')
  @PublicRoute()
  @HttpCode(200)
  exchange(@Body() body: unknown) {
    return this.sessions.exchange(readExchange(body));
  }

  @Get()
  list(@Caller() caller: Manager, @Query() query: ListQuery & { tenant_id?: unknown }) {
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
