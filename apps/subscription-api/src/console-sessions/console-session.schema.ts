import { Type, type Static } from '@sinclair/typebox';
import { CONSOLE_PAGES, CONSOLE_THEME_MODES } from '@herald/domain';
import { ref } from '../common/openapi-builder';
import { dateTime, STRING_LIST_PROBLEM } from '../common/field-schemas';
import { Nullable, PROBLEM } from '../common/request-schema';
import { pageQuery, queryText } from '../common/query-schema';

/** The shape of console links and sessions on the wire: what the API answers and takes. */

const tenantId = (use: string) =>
  Nullable(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: `The tenant ${use}: required with the operator token; with an API key, only the key’s own tenant (another answers 404), and null or left out means it.`,
    }),
  );

const page = Type.Unsafe<(typeof CONSOLE_PAGES)[number]>({
  type: 'string',
  enum: [...CONSOLE_PAGES],
});

const pageList = Nullable(
  Type.Array(page, { description: 'The console pages the session shows; null: all.' }),
);

const pages = Nullable(
  Type.Array(page, {
    minItems: 1,
    maxItems: CONSOLE_PAGES.length,
    uniqueItems: true,
    [PROBLEM]: {
      ...STRING_LIST_PROBLEM,
      minItems: 'must not be empty (leave it out for all)',
      uniqueItems: 'must not name a page twice',
    },
    description:
      'The console pages the session shows; null or left out: all. It tells the console what to ' +
      'show; what the session may do is the tenant’s rights (`read_only` aside), page or not.',
  }),
);

const MODE_DESCRIPTION = '`auto` (the reader’s system setting, the default), `light` or `dark`.';

const themeFields = {
  accent: Nullable(
    Type.String({
      maxLength: 7,
      pattern: '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$',
      [PROBLEM]: { pattern: 'must be a hex colour such as #0a7d55' },
      description:
        'Links, focus rings and the current page in this colour; null: the console’s own.',
      example: '#0a7d55',
    }),
  ),
  logo_url: Nullable(
    Type.String({
      format: 'uri',
      maxLength: 2000,
      pattern: '^https://',
      [PROBLEM]: { pattern: 'must be an https: URL' },
      description: 'An `https:` image shown in the header instead of the word Herald.',
      example: 'https://example.com/logo.svg',
    }),
  ),
  mode: Type.Unsafe<(typeof CONSOLE_THEME_MODES)[number]>({
    type: 'string',
    enum: [...CONSOLE_THEME_MODES],
    description: MODE_DESCRIPTION,
  }),
};

/** How the console looks in the session, for an operator's product that frames it. */
const theme = Nullable(
  Type.Object(themeFields, {
    description: 'How the console looks in the session; null: the console’s own look.',
  }),
);

export const NewConsoleSessionBody = Type.Object(
  {
    tenant_id: Type.Optional(tenantId('the link is for')),
    read_only: Type.Optional(
      Type.Boolean({ description: 'A session that may only read (default false).' }),
    ),
    pages: Type.Optional(pages),
    theme: Type.Optional(
      Nullable(
        Type.Object(
          {
            accent: Type.Optional(themeFields.accent),
            logo_url: Type.Optional(themeFields.logo_url),
            mode: Type.Optional(
              Type.Unsafe<(typeof CONSOLE_THEME_MODES)[number] | null>({
                type: ['string', 'null'],
                enum: [...CONSOLE_THEME_MODES, null],
                default: 'auto',
                description: `${MODE_DESCRIPTION} Null or left out: auto.`,
              }),
            ),
          },
          {
            additionalProperties: false,
            description:
              'How the console looks in the session, e.g. framed in the operator’s product ' +
              '(allowed framing origins: `HERALD_CONSOLE_FRAME_ANCESTORS`); null or left out: the ' +
              'console’s own look.',
          },
        ),
      ),
    ),
    expires_in: Type.Optional(
      Nullable(
        Type.String({
          maxLength: 20,
          pattern: '^\\d+(ms|s|m|h|d)$',
          [PROBLEM]: { pattern: 'must be a duration such as 15m, 8h or 7d' },
          description: 'The session’s lifetime, from 5m to 30d; null or left out: 1h.',
          example: '8h',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);
export type NewConsoleSessionBody = Static<typeof NewConsoleSessionBody>;

export const ExchangeBody = Type.Object(
  {
    token: Type.String({
      maxLength: 100,
      pattern: '^hcl_[A-Za-z0-9_-]{43}$',
      [PROBLEM]: { pattern: 'is not a console link token (hcl_…)' },
      description: 'The token from the link’s fragment.',
    }),
  },
  { additionalProperties: false },
);

export const RevokeAllBody = Type.Object(
  { tenant_id: Type.Optional(tenantId('whose sessions end')) },
  { additionalProperties: false },
);

export const ConsoleSessionSchema = Type.Object({
  id: Type.String({ example: 'ses_01hz…' }),
  tenant_id: Type.String(),
  created_by: Type.Unsafe<'tenant' | 'operator'>({ type: 'string', enum: ['tenant', 'operator'] }),
  read_only: Type.Boolean(),
  pages: pageList,
  theme,
  link_expires_at: dateTime(
    'The link can be exchanged until then (10 minutes after it is made), once.',
  ),
  exchanged_at: Nullable(dateTime('When the link was exchanged; null: not yet.')),
  expires_at: dateTime('The end of the session, counted from the link’s making.'),
  revoked_at: Nullable(dateTime()),
  created_at: dateTime(),
});

export const NewConsoleSessionSchema = Type.Intersect([
  Type.Unsafe(ref('ConsoleSession')),
  Type.Object({
    url: Type.String({
      description:
        'The console link, `<origin>/console/#token=hcl_…`, shown this once: the one-time ' +
        'token is in the fragment, which browsers never send, so it reaches no server log.',
    }),
  }),
]);

export const ExchangedSessionSchema = Type.Object({
  id: Type.String(),
  session_key: Type.String({
    description: 'Shown once; send it as `Authorization: Bearer hcs_…`.',
  }),
  tenant_id: Type.String(),
  read_only: Type.Boolean(),
  pages: pageList,
  theme,
  expires_at: dateTime(),
});

export const RevokedCountSchema = Type.Object({ revoked: Type.Integer({ minimum: 0 }) });

/** `GET /v1/console-sessions` parameters. */
export const ConsoleSessionListQuery = Type.Object(
  {
    tenant_id: queryText({
      maxLength: 200,
      description:
        'The operator’s filter (all tenants without it); with an API key, only the key’s own tenant.',
    }),
    ...pageQuery,
  },
  { additionalProperties: false },
);
