import { type DataSource } from 'typeorm';
import {
  CONSOLE_LINK_TTL_MS,
  consoleLinkRefusal,
  consoleSessionRefusal,
  generateConsoleLinkToken,
  generateConsoleSessionKey,
  hashApiKey,
  newId,
  type ConsoleLinkRefusal,
  type ConsolePage,
  type ConsoleSession,
  type ConsoleSessionCreator,
  type ConsoleSessionRefusal,
  type ConsoleTheme,
  type ConsoleThemeMode,
} from '@herald/domain';
import { iso, isoRequired, toPage, type Page, type PageRequest } from '../rows';

interface ConsoleSessionRow {
  id: string;
  tenant_id: string;
  created_by: ConsoleSessionCreator;
  read_only: boolean;
  pages: ConsolePage[] | null;
  theme: { accent: string | null; logo_url: string | null; mode: ConsoleThemeMode } | null;
  link_expires_at: Date;
  exchanged_at: Date | null;
  expires_at: Date;
  revoked_at: Date | null;
  created_at: Date;
}

/** The columns a session is read from; never the hashes. */
const COLUMNS =
  'id, tenant_id, created_by, read_only, pages, theme, link_expires_at, exchanged_at, expires_at, revoked_at, created_at';

const toConsoleSession = (row: ConsoleSessionRow): ConsoleSession => ({
  id: row.id,
  tenantId: row.tenant_id,
  createdBy: row.created_by,
  readOnly: row.read_only,
  pages: row.pages,
  theme: row.theme && {
    accent: row.theme.accent,
    logoUrl: row.theme.logo_url,
    mode: row.theme.mode,
  },
  linkExpiresAt: isoRequired(row.link_expires_at),
  exchangedAt: iso(row.exchanged_at),
  expiresAt: isoRequired(row.expires_at),
  revokedAt: iso(row.revoked_at),
  createdAt: isoRequired(row.created_at),
});

export interface NewConsoleSession {
  createdBy: ConsoleSessionCreator;
  readOnly: boolean;
  pages: ConsolePage[] | null;
  theme: ConsoleTheme | null;
  /** The session's lifetime, counted from the link's creation so the answer can state its end. */
  lifetimeMs: number;
}

/**
 * Console links and sessions. Times are PostgreSQL's (`now()`), checked against in the same
 * statement that reads or changes a row, so replicas with skewed clocks agree.
 */
export class ConsoleSessionsRepository {
  constructor(private readonly db: DataSource) {}

  /** A new link; the token is returned this once and only its hash is kept. Null without the tenant. */
  async create(
    tenantId: string,
    session: NewConsoleSession,
  ): Promise<{ session: ConsoleSession; token: string } | null> {
    const token = generateConsoleLinkToken();
    const rows: ConsoleSessionRow[] = await this.db.query(
      `INSERT INTO console_sessions
         (id, tenant_id, created_by, read_only, pages, theme, link_hash, link_expires_at, expires_at)
       SELECT $1, t.id, $3, $4, $5, $9::jsonb, $6,
              now() + $7::double precision * interval '1 millisecond',
              now() + $8::double precision * interval '1 millisecond'
       FROM tenants t WHERE t.id = $2
       RETURNING ${COLUMNS}`,
      [
        newId('ses'),
        tenantId,
        session.createdBy,
        session.readOnly,
        session.pages,
        hashApiKey(token),
        CONSOLE_LINK_TTL_MS,
        session.lifetimeMs,
        session.theme && {
          accent: session.theme.accent,
          logo_url: session.theme.logoUrl,
          mode: session.theme.mode,
        },
      ],
    );
    return rows[0] ? { session: toConsoleSession(rows[0]), token } : null;
  }

  /**
   * Exchanges a link once: the first caller gets the session key (returned this once); any later
   * one, or one past the link's expiry or after a revoke, gets the reason. Null for a token that
   * was never issued.
   */
  async exchange(
    token: string,
  ): Promise<
    | { session: ConsoleSession; key: string }
    | { refused: ConsoleLinkRefusal; session: ConsoleSession }
    | null
  > {
    const key = generateConsoleSessionKey();
    const linkHash = hashApiKey(token);
    // One conditional UPDATE, so two exchanges racing for a link cannot both win it.
    const [exchanged] = await this.db.query<[ConsoleSessionRow[], number]>(
      `UPDATE console_sessions SET exchanged_at = now(), session_hash = $2
       WHERE link_hash = $1 AND exchanged_at IS NULL AND revoked_at IS NULL
         AND link_expires_at > now() AND expires_at > now()
       RETURNING ${COLUMNS}`,
      [linkHash, hashApiKey(key)],
    );
    if (exchanged[0]) return { session: toConsoleSession(exchanged[0]), key };
    const rows: (ConsoleSessionRow & { db_now: Date })[] = await this.db.query(
      `SELECT ${COLUMNS}, now() AS db_now FROM console_sessions WHERE link_hash = $1`,
      [linkHash],
    );
    if (!rows[0]) return null;
    const session = toConsoleSession(rows[0]);
    // A session that ended before its link did (it cannot, by the API's bounds) reads as expired.
    return { session, refused: consoleLinkRefusal(session, rows[0].db_now) ?? 'link_expired' };
  }

  /** The session a key opens, or why it opens none any more; null for a key never issued. */
  async forKey(
    key: string,
  ): Promise<{ session: ConsoleSession; refused: ConsoleSessionRefusal | null } | null> {
    const rows: (ConsoleSessionRow & { db_now: Date })[] = await this.db.query(
      `SELECT ${COLUMNS}, now() AS db_now FROM console_sessions WHERE session_hash = $1`,
      [hashApiKey(key)],
    );
    if (!rows[0]) return null;
    const session = toConsoleSession(rows[0]);
    return { session, refused: consoleSessionRefusal(session, rows[0].db_now) };
  }

  /** A page of sessions, newest last, of one tenant or (null, for the operator) of all. */
  async list(tenantId: string | null, page: PageRequest): Promise<Page<ConsoleSession>> {
    const rows: ConsoleSessionRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM console_sessions
       WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR id > $2)
       ORDER BY id LIMIT $3`,
      [tenantId, page.after, page.limit + 1],
    );
    return toPage(rows.map(toConsoleSession), page.limit);
  }

  /**
   * Revokes one session (its link too, if not yet exchanged) at once; revoking again keeps the first
   * time. A tenant id limits it to that tenant's sessions; null (the operator) to none. Null when
   * there is no such session.
   */
  async revoke(tenantId: string | null, id: string): Promise<ConsoleSession | null> {
    const rows: ConsoleSessionRow[] = await this.db.query(
      `WITH revoked AS (
         UPDATE console_sessions SET revoked_at = COALESCE(revoked_at, now())
         WHERE id = $2 AND ($1::text IS NULL OR tenant_id = $1)
         RETURNING ${COLUMNS})
       SELECT * FROM revoked`,
      [tenantId, id],
    );
    return rows[0] ? toConsoleSession(rows[0]) : null;
  }

  /** Revokes every live session and unexchanged link of a tenant; returns how many it revoked. */
  async revokeAll(tenantId: string): Promise<number> {
    const [, affected] = await this.db.query<[unknown[], number]>(
      `UPDATE console_sessions SET revoked_at = now()
       WHERE tenant_id = $1 AND revoked_at IS NULL AND expires_at > now()`,
      [tenantId],
    );
    return affected;
  }

  /**
   * Deletes sessions that ended (expired, or revoked) and links never exchanged that expired, more
   * than `keptMs` ago; returns how many. Ended rows open nothing, so they are kept only long enough
   * for a list to show why a link stopped working.
   */
  async purgeEnded(keptMs: number): Promise<number> {
    const [, affected] = await this.db.query<[unknown[], number]>(
      `DELETE FROM console_sessions
       WHERE LEAST(expires_at, COALESCE(revoked_at, 'infinity'),
                   CASE WHEN exchanged_at IS NULL THEN link_expires_at ELSE 'infinity' END)
             < now() - $1::double precision * interval '1 millisecond'`,
      [keptMs],
    );
    return affected;
  }
}
