import { Controller, Inject } from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Allow, Caller, type Principal } from '../auth/principal';
import { GrpcField } from '../grpc/grpc-field';
import { grpcPage, restBody, restQuery, withoutNulls } from '../grpc/grpc-mapping';
import {
  readConsoleSessionListQuery,
  readNewConsoleSession,
  readRevokeAll,
} from './console-session-input';
import type { ConsoleSessionView } from './console-session.view';
import { ConsoleSessionsService } from './console-sessions.service';
import type { SubscriptionApiConfig } from '../subscription-api.config';

type Manager = Extract<Principal, { kind: 'tenant' | 'operator' }>;

/** A session as a `ConsoleSession` message: unset rather than null, its theme's fields too. */
const grpcSession = <T extends ConsoleSessionView>(session: T) => ({
  ...withoutNulls(session),
  ...(session.theme ? { theme: withoutNulls(session.theme) } : {}),
});

/**
 * `herald.admin.v1.AdminService` console link operations; the same service as REST. There is no
 * gRPC exchange: exchanging is the browser's step, over REST, and gRPC callers are servers holding
 * an API key. A gRPC call has no host the console is reached at, so without `HERALD_PUBLIC_URL` its
 * `url` is the path `/console/#token=…`, to put after the REST API's own origin.
 */
@Controller()
@Allow('tenant_key_or_operator')
export class ConsoleSessionsGrpcController {
  constructor(
    private readonly sessions: ConsoleSessionsService,
    @Inject(HERALD_CONFIG) private readonly config: SubscriptionApiConfig,
  ) {}

  @GrpcMethod('AdminService', 'CreateConsoleSession')
  async create(@Caller() caller: Manager, @Payload() request: object) {
    return grpcSession(
      await this.sessions.create(
        caller,
        readNewConsoleSession(restBody(request)),
        this.config.console.publicUrl ?? '',
      ),
    );
  }

  @GrpcMethod('AdminService', 'ListConsoleSessions')
  async list(@Caller() caller: Manager, @Payload() request: object) {
    const { tenantId, page } = readConsoleSessionListQuery(restQuery(request));
    return grpcPage(await this.sessions.list(caller, tenantId, page), grpcSession);
  }

  @GrpcMethod('AdminService', 'RevokeConsoleSession')
  @Allow('anyone')
  async revoke(@Caller() caller: Principal, @GrpcField('id') id: string) {
    await this.sessions.revoke(caller, id);
    return {};
  }

  @GrpcMethod('AdminService', 'RevokeAllConsoleSessions')
  async revokeAll(@Caller() caller: Manager, @Payload() request: object) {
    return this.sessions.revokeAll(caller, readRevokeAll(restBody(request)).tenantId);
  }
}
