import type { Static } from '@sinclair/typebox';
import type { ConsoleSession, ConsoleTheme } from '@herald/domain';
import type { ConsoleSessionSchema } from './console-session.schema';

export type ConsoleSessionView = Static<typeof ConsoleSessionSchema>;

/** A theme as the API shows it; null: the console's own look. */
export const presentConsoleTheme = (theme: ConsoleTheme | null): ConsoleSessionView['theme'] =>
  theme && { accent: theme.accent, logo_url: theme.logoUrl, mode: theme.mode };

/** A console session as the API shows it: never its link token, its key nor their hashes. */
export const presentConsoleSession = (session: ConsoleSession): ConsoleSessionView => ({
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
