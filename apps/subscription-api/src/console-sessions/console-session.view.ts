import type { ConsoleSession, ConsoleTheme } from '@herald/domain';

/** A theme as the API shows it; null: the console's own look. */
export const presentConsoleTheme = (theme: ConsoleTheme | null) =>
  theme && { accent: theme.accent, logo_url: theme.logoUrl, mode: theme.mode };

/** A console session as the API shows it: never its link token, its key nor their hashes. */
export const presentConsoleSession = (session: ConsoleSession) => ({
  id: session.id,
  tenant_id: session.tenantId,
  created_by: session.createdBy,
  read_only: session.readOnly,
  pages: session.pages,
  theme: presentConsoleTheme(session.theme),
  link_expires_at: session.linkExpiresAt,
  exchanged_at: session.exchangedAt,
  expires_at: session.expiresAt,
  revoked_at: session.revokedAt,
  created_at: session.createdAt,
});

export type ConsoleSessionView = ReturnType<typeof presentConsoleSession>;
