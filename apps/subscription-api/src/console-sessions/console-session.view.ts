import type { ConsoleSession } from '@herald/domain';

/** A console session as the API shows it: never its link token, its key nor their hashes. */
export const presentConsoleSession = (session: ConsoleSession) => ({
  id: session.id,
  tenant_id: session.tenantId,
  created_by: session.createdBy,
  read_only: session.readOnly,
  pages: session.pages,
  link_expires_at: session.linkExpiresAt,
  exchanged_at: session.exchangedAt,
  expires_at: session.expiresAt,
  revoked_at: session.revokedAt,
  created_at: session.createdAt,
});

export type ConsoleSessionView = ReturnType<typeof presentConsoleSession>;
