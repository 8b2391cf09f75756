import {
  CONSOLE_PAGES,
  CONSOLE_THEME_MODES,
  DEFAULT_CONSOLE_SESSION_MS,
  isConsoleLinkToken,
  MAX_CONSOLE_SESSION_MS,
  MIN_CONSOLE_SESSION_MS,
  parseDuration,
  type ConsolePage,
  type ConsoleTheme,
  type ConsoleThemeMode,
} from '@herald/domain';
import { assertValid, BodyReader } from '../common/body-reader';
import { pageRequest, type ListQuery } from '../common/pagination';
import type { PageRequest } from '@herald/persistence';

function tenantIdIn(reader: BodyReader): string | undefined {
  const tenantId = reader.string('tenant_id', { max: 200 });
  if (tenantId === '') reader.problem('tenant_id', 'must not be empty');
  return tenantId;
}

export interface NewConsoleSessionInput {
  /** Required of the operator; a tenant may name only itself. */
  tenantId: string | undefined;
  readOnly: boolean;
  /** null: every page. */
  pages: ConsolePage[] | null;
  theme: ConsoleTheme | null;
  lifetimeMs: number;
}

/**
 * `theme: {accent?, logo_url?, mode?}`. The logo must be `https:` (the console's policy loads
 * images from its own origin and `https:` only) and the accent a hex colour, so nothing a link
 * carries can become markup or style beyond a colour.
 */
function themeIn(reader: BodyReader): ConsoleTheme | null {
  const theme = reader.child('theme');
  if (!theme) return null;
  const accent = theme.string('accent', {
    max: 7,
    pattern: /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i,
    hint: 'must be a hex colour such as #0a7d55',
  });
  const logoUrl = theme.string('logo_url', { max: 2000 });
  if (logoUrl !== undefined && !isHttpsUrl(logoUrl))
    theme.problem('logo_url', 'must be an https: URL');
  const mode = theme.string('mode', {
    max: 10,
    pattern: new RegExp(`^(?:${CONSOLE_THEME_MODES.join('|')})$`),
    hint: `must be one of ${CONSOLE_THEME_MODES.join(', ')}`,
  });
  theme.onlyKnown(['accent', 'logo_url', 'mode']);
  reader.problems.push(...theme.problems);
  return {
    accent: accent ?? null,
    logoUrl: logoUrl ?? null,
    mode: (mode as ConsoleThemeMode | undefined) ?? 'auto',
  };
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * `POST /v1/console-sessions` `{tenant_id?, read_only?, pages?, theme?, expires_in?}`; null is the same as
 * leaving a field out.
 */
export function readNewConsoleSession(body: unknown): NewConsoleSessionInput {
  const reader = new BodyReader(body ?? {});
  const tenantId = tenantIdIn(reader);
  const readOnly = reader.boolean('read_only') ?? false;
  const pages = reader.stringList('pages', {
    max: CONSOLE_PAGES.length,
    each: (page) =>
      (CONSOLE_PAGES as readonly string[]).includes(page)
        ? null
        : `must be one of ${CONSOLE_PAGES.join(', ')}`,
  });
  if (pages && new Set(pages).size !== pages.length)
    reader.problem('pages', 'must not name a page twice');
  if (pages?.length === 0) reader.problem('pages', 'must not be empty (leave it out for all)');
  const expiresIn = reader.string('expires_in', {
    max: 20,
    pattern: /^\d+(ms|s|m|h|d)$/,
    hint: 'must be a duration such as 15m, 8h or 7d',
  });
  let lifetimeMs = DEFAULT_CONSOLE_SESSION_MS;
  if (expiresIn !== undefined) {
    const ms = parseDuration(expiresIn);
    if (ms !== null && (ms < MIN_CONSOLE_SESSION_MS || ms > MAX_CONSOLE_SESSION_MS))
      reader.problem('expires_in', 'must be from 5m to 30d');
    else if (ms !== null) lifetimeMs = ms;
  }
  const theme = themeIn(reader);
  reader.onlyKnown(['tenant_id', 'read_only', 'pages', 'theme', 'expires_in']);
  assertValid(reader);
  return {
    tenantId,
    readOnly,
    pages: (pages as ConsolePage[] | null | undefined) ?? null,
    theme,
    lifetimeMs,
  };
}

/** `POST /v1/console-sessions/exchange` `{token}`: a malformed token is refused without a lookup. */
export function readExchange(body: unknown): string {
  const reader = new BodyReader(body ?? {});
  const token = reader.string('token', { required: true, max: 100 });
  if (token && !isConsoleLinkToken(token))
    reader.problem('token', 'is not a console link token (hcl_…)');
  reader.onlyKnown(['token']);
  assertValid(reader);
  return token;
}

/** `POST /v1/console-sessions/revoke-all` `{tenant_id?}`. */
export function readRevokeAll(body: unknown): { tenantId: string | undefined } {
  const reader = new BodyReader(body ?? {});
  const tenantId = tenantIdIn(reader);
  reader.onlyKnown(['tenant_id']);
  assertValid(reader);
  return { tenantId };
}

/** `GET /v1/console-sessions?tenant_id=&limit=&cursor=`. */
export function readConsoleSessionListQuery(query: ListQuery & { tenant_id?: unknown }): {
  tenantId: string | undefined;
  page: PageRequest;
} {
  const reader = new BodyReader(query);
  const tenantId = tenantIdIn(reader);
  reader.onlyKnown(['tenant_id', 'limit', 'cursor']);
  assertValid(reader);
  return { tenantId, page: pageRequest(query) };
}
