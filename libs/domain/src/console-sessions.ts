import { randomBytes } from 'node:crypto';

/** The console's pages a session may show; null on a session means all of them. */
export const CONSOLE_PAGES = [
  'subscriptions',
  'event-types',
  'events',
  'deliveries',
  'dead-letters',
] as const;
export type ConsolePage = (typeof CONSOLE_PAGES)[number];

/** How the console looks in a session: for an operator's product that frames it. */
export interface ConsoleTheme {
  /** A colour `#rgb` or `#rrggbb` for links, focus rings and the current page. */
  accent: string | null;
  /** An `https:` image shown in the console's header instead of the word Herald. */
  logoUrl: string | null;
  /** `light`, `dark`, or `auto` (the reader's system setting). */
  mode: ConsoleThemeMode;
}

export const CONSOLE_THEME_MODES = ['auto', 'light', 'dark'] as const;
export type ConsoleThemeMode = (typeof CONSOLE_THEME_MODES)[number];

/** Who made a console link: the tenant with its API key, or the operator for a tenant. */
export type ConsoleSessionCreator = 'tenant' | 'operator';

/**
 * A console link and the session it is exchanged for. The link token and the session key are
 * never kept: only their SHA-256 (`hashApiKey`), like API keys, which is enough for 256-bit
 * random secrets.
 */
export interface ConsoleSession {
  id: string;
  tenantId: string;
  createdBy: ConsoleSessionCreator;
  readOnly: boolean;
  pages: ConsolePage[] | null;
  /** Null: the console's own look. */
  theme: ConsoleTheme | null;
  linkExpiresAt: string;
  exchangedAt: string | null;
  expiresAt: string;
  revokedAt: string | null;
  createdAt: string;
}

/**
 * A link is short-lived (Stripe's account links live minutes too): it travels in e-mails, chats
 * and browser history, while the session it buys lives in the console's memory only.
 */
export const CONSOLE_LINK_TTL_MS = 10 * 60_000;
/** How long an ended session or an unused, expired link stays listed before it is deleted. */
export const ENDED_CONSOLE_SESSION_KEPT_MS = 86_400_000;
export const MIN_CONSOLE_SESSION_MS = 5 * 60_000;
export const MAX_CONSOLE_SESSION_MS = 30 * 86_400_000;
export const DEFAULT_CONSOLE_SESSION_MS = 3_600_000;

/** The one-time link token (`hcl_`) and the session key (`hcs_`): 32 random bytes each. */
export const CONSOLE_LINK_PREFIX = 'hcl_';
export const CONSOLE_SESSION_KEY_PREFIX = 'hcs_';
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateConsoleLinkToken(): string {
  return `${CONSOLE_LINK_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function generateConsoleSessionKey(): string {
  return `${CONSOLE_SESSION_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Whether text has the shape of a link token, so a malformed one is refused without a lookup. */
export function isConsoleLinkToken(text: string): boolean {
  return (
    text.startsWith(CONSOLE_LINK_PREFIX) &&
    SECRET_PATTERN.test(text.slice(CONSOLE_LINK_PREFIX.length))
  );
}

/** Whether a bearer token is a console session key rather than an API key or the operator token. */
export function isConsoleSessionKey(text: string): boolean {
  return text.startsWith(CONSOLE_SESSION_KEY_PREFIX);
}

/** Why a link cannot be exchanged now, or null when it can. */
export type ConsoleLinkRefusal = 'link_used' | 'link_expired' | 'link_revoked';

export function consoleLinkRefusal(
  session: Pick<ConsoleSession, 'exchangedAt' | 'linkExpiresAt' | 'revokedAt'>,
  now: Date,
): ConsoleLinkRefusal | null {
  if (session.revokedAt !== null) return 'link_revoked';
  if (session.exchangedAt !== null) return 'link_used';
  if (Date.parse(session.linkExpiresAt) <= now.getTime()) return 'link_expired';
  return null;
}

/** Why a session key no longer works, or null when it does. */
export type ConsoleSessionRefusal = 'session_revoked' | 'session_expired';

export function consoleSessionRefusal(
  session: Pick<ConsoleSession, 'expiresAt' | 'revokedAt'>,
  now: Date,
): ConsoleSessionRefusal | null {
  if (session.revokedAt !== null) return 'session_revoked';
  if (Date.parse(session.expiresAt) <= now.getTime()) return 'session_expired';
  return null;
}
