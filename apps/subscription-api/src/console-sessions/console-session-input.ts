import {
  DEFAULT_CONSOLE_SESSION_MS,
  isConsoleLinkToken,
  MAX_CONSOLE_SESSION_MS,
  MIN_CONSOLE_SESSION_MS,
  parseDuration,
  type ConsolePage,
  type ConsoleTheme,
} from '@herald/domain';
import { assertNoProblems } from '../common/body-reader';
import { bodyValidator } from '../common/request-schema';
import {
  ConsoleSessionListQuery,
  ExchangeBody,
  NewConsoleSessionBody,
  RevokeAllBody,
} from './console-session.schema';
import { checkCursor, queryValidator } from '../common/query-schema';
import type { PageRequest } from '@herald/persistence';

export interface NewConsoleSessionInput {
  /** Required of the operator; a tenant may name only itself. */
  tenantId: string | undefined;
  readOnly: boolean;
  /** null: every page. */
  pages: ConsolePage[] | null;
  theme: ConsoleTheme | null;
  lifetimeMs: number;
}

const readNew = bodyValidator(NewConsoleSessionBody);
const readExchangeBody = bodyValidator(ExchangeBody);
const readRevokeAllBody = bodyValidator(RevokeAllBody);

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * `POST /v1/console-sessions` `{tenant_id?, read_only?, pages?, theme?, expires_in?}`; null is the same as
 * leaving a field out. The lifetime's range, and a logo URL that parses as `https:` (the console's
 * policy loads images from its own origin and `https:` only), are checked after the schema.
 */
export function readNewConsoleSession(body: unknown): NewConsoleSessionInput {
  const { value, problems, fits } = readNew(body ?? {});
  let lifetimeMs = DEFAULT_CONSOLE_SESSION_MS;
  if (typeof value.expires_in === 'string' && fits('expires_in')) {
    const ms = parseDuration(value.expires_in);
    if (ms !== null && (ms < MIN_CONSOLE_SESSION_MS || ms > MAX_CONSOLE_SESSION_MS))
      problems.push({ field: 'expires_in', message: 'must be from 5m to 30d' });
    else if (ms !== null) lifetimeMs = ms;
  }
  const logoUrl = value.theme?.logo_url;
  if (typeof logoUrl === 'string' && fits('theme.logo_url') && !isHttpsUrl(logoUrl)) {
    problems.push({ field: 'theme.logo_url', message: 'must be an https: URL' });
  }
  assertNoProblems(problems);
  const { theme } = value;
  return {
    tenantId: value.tenant_id ?? undefined,
    readOnly: value.read_only ?? false,
    pages: value.pages ?? null,
    theme: theme
      ? {
          accent: theme.accent ?? null,
          logoUrl: theme.logo_url ?? null,
          mode: theme.mode ?? 'auto',
        }
      : null,
    lifetimeMs,
  };
}

/** `POST /v1/console-sessions/exchange` `{token}`: a malformed token is refused without a lookup. */
export function readExchange(body: unknown): string {
  const { value, problems, fits } = readExchangeBody(body ?? {});
  if (fits('token') && !isConsoleLinkToken(value.token))
    problems.push({ field: 'token', message: 'is not a console link token (hcl_…)' });
  assertNoProblems(problems);
  return value.token;
}

/** `POST /v1/console-sessions/revoke-all` `{tenant_id?}`. */
export function readRevokeAll(body: unknown): { tenantId: string | undefined } {
  const { value, problems } = readRevokeAllBody(body ?? {});
  assertNoProblems(problems);
  return { tenantId: value.tenant_id ?? undefined };
}

const readListQuery = queryValidator(ConsoleSessionListQuery);

/** `GET /v1/console-sessions?tenant_id=&limit=&cursor=`; any other parameter is refused by name. */
export function readConsoleSessionListQuery(query: {
  tenant_id?: unknown;
  limit?: unknown;
  cursor?: unknown;
}): {
  tenantId: string | undefined;
  page: PageRequest;
} {
  const checked = readListQuery(query);
  const after = checkCursor(checked);
  assertNoProblems(checked.problems);
  return { tenantId: checked.value.tenant_id, page: { after, limit: checked.value.limit ?? 20 } };
}
