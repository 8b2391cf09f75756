import { Injectable } from '@nestjs/common';
import {
  ConsoleSessionsRepository,
  TenantsRepository,
  type PageRequest,
} from '@herald/persistence';
import type { Principal } from '../auth/principal';
import { pageResponse } from '../common/pagination';
import { ApiError, notFound } from '../errors/api-error';
import {
  presentConsoleSession,
  presentConsoleTheme,
  type ConsoleSessionView,
} from './console-session.view';
import type { NewConsoleSessionInput } from './console-session-input';
import { JsonLogger } from '@herald/observability';

/** Who manages console links: a tenant for itself, or the operator for any tenant. */
type Manager = Extract<Principal, { kind: 'tenant' | 'operator' }>;

/**
 * Console links (issue 15). A tenant (API key) or the operator makes a link holding a one-time
 * token; the console exchanges it for a session key that authenticates like the tenant's API key,
 * read-only if asked. Neither secret is stored or logged: only SHA-256 hashes are kept, the token
 * is in the URL's fragment (which browsers do not send, so no server or proxy log sees it), and
 * the key travels in the exchange's answer and then in `Authorization` headers only.
 */
@Injectable()
export class ConsoleSessionsService {
  constructor(
    private readonly sessions: ConsoleSessionsRepository,
    private readonly tenants: TenantsRepository,
    private readonly logger: JsonLogger,
  ) {}

  /**
   * A new link for the caller's tenant (or, for the operator, the one named). `consoleBase` is the
   * console's origin as the caller reached the API; the link is `<base>/console/#token=…`.
   */
  async create(
    caller: Manager,
    input: NewConsoleSessionInput,
    consoleBase: string,
  ): Promise<ConsoleSessionView & { url: string }> {
    const tenantId = this.tenantOf(caller, input.tenantId);
    const created = await this.sessions.create(tenantId, {
      createdBy: caller.kind === 'operator' ? 'operator' : 'tenant',
      readOnly: input.readOnly,
      pages: input.pages,
      theme: input.theme,
      lifetimeMs: input.lifetimeMs,
    });
    if (!created) throw notFound('tenant', tenantId);
    const { session, token } = created;
    this.logger.event('info', 'console link created', {
      tenant_id: session.tenantId,
      console_session_id: session.id,
      created_by: session.createdBy,
      read_only: session.readOnly,
      pages: session.pages,
      link_expires_at: session.linkExpiresAt,
      expires_at: session.expiresAt,
    });
    return { ...presentConsoleSession(session), url: `${consoleBase}/console/#token=${token}` };
  }

  /** Exchanges a link's token, once, for the session key (in this answer only). */
  async exchange(token: string) {
    const exchanged = await this.sessions.exchange(token);
    if (!exchanged) throw new ApiError('unauthorized', 'the console link is not valid');
    if ('refused' in exchanged) {
      this.logger.event('warn', 'console link refused', {
        tenant_id: exchanged.session.tenantId,
        console_session_id: exchanged.session.id,
        reason: exchanged.refused,
      });
      throw new ApiError(exchanged.refused, LINK_REFUSALS[exchanged.refused]);
    }
    const { session, key } = exchanged;
    this.logger.event('info', 'console link exchanged', {
      tenant_id: session.tenantId,
      console_session_id: session.id,
      read_only: session.readOnly,
      expires_at: session.expiresAt,
    });
    return {
      id: session.id,
      session_key: key,
      tenant_id: session.tenantId,
      read_only: session.readOnly,
      pages: session.pages,
      theme: presentConsoleTheme(session.theme),
      expires_at: session.expiresAt,
    };
  }

  /** The caller's sessions; the operator's, of one tenant or of all. */
  async list(caller: Manager, tenantId: string | undefined, page: PageRequest) {
    const scope = caller.kind === 'operator' ? (tenantId ?? null) : this.tenantOf(caller, tenantId);
    return pageResponse(await this.sessions.list(scope, page), presentConsoleSession);
  }

  /**
   * Revokes one session or link at once. A tenant revokes only its own, a console session only
   * itself (signing out); anything else answers 404, as ids that do not exist.
   */
  async revoke(caller: Principal, id: string): Promise<void> {
    if (caller.kind === 'console_session' && caller.sessionId !== id)
      throw notFound('console session', id);
    const revoked = await this.sessions.revoke(
      caller.kind === 'operator' ? null : caller.tenantId,
      id,
    );
    if (!revoked) throw notFound('console session', id);
    this.logger.event('info', 'console session revoked', {
      tenant_id: revoked.tenantId,
      console_session_id: revoked.id,
      by: caller.kind,
    });
  }

  /** Revokes every live session and pending link of the tenant. */
  async revokeAll(caller: Manager, tenantId: string | undefined): Promise<{ revoked: number }> {
    const scope = this.tenantOf(caller, tenantId);
    if (caller.kind === 'operator' && !(await this.tenants.exists(scope)))
      throw notFound('tenant', scope);
    const revoked = await this.sessions.revokeAll(scope);
    this.logger.event('info', 'console sessions revoked', {
      tenant_id: scope,
      revoked,
      by: caller.kind,
    });
    return { revoked };
  }

  /**
   * The tenant an operation is for: the operator must name it; a tenant may name only itself (any
   * other id answers 404, as an id that does not exist).
   */
  private tenantOf(caller: Manager, tenantId: string | undefined): string {
    if (caller.kind === 'tenant') {
      if (tenantId !== undefined && tenantId !== caller.tenantId)
        throw notFound('tenant', tenantId);
      return caller.tenantId;
    }
    if (tenantId === undefined)
      throw new ApiError(
        'validation_failed',
        'request is invalid: tenant_id is required with the operator token',
        [{ field: 'tenant_id', message: 'is required with the operator token' }],
      );
    return tenantId;
  }
}

const LINK_REFUSALS = {
  link_used: 'this console link was used already; ask for a new one',
  link_expired: 'this console link has expired; ask for a new one',
  link_revoked: 'this console link was revoked',
} as const;
