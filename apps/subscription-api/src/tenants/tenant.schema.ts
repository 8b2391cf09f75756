import { Type, type Static } from '@sinclair/typebox';
import { Nullable, PROBLEM } from '../common/request-schema';

const retention = Nullable(
  Type.String({
    pattern: '^\\d+(ms|s|m|h|d)$',
    maxLength: 20,
    [PROBLEM]: { pattern: 'must be a duration such as 30s, 12h or 90d, or null for the default' },
    description:
      'How long the tenant’s events, deliveries and attempts are kept, from 1s to 3650d (e.g. `90d`); ' +
      'null: `HERALD_RETENTION` (30d by default). Older history is purged, except deliveries still ' +
      'pending or retrying (and their events and attempts); looking up a purged event or delivery ' +
      'answers 404 with code `expired`.',
    example: '90d',
  }),
);

export const NewTenantBody = Type.Object(
  { name: Type.String({ maxLength: 200 }), retention: Type.Optional(retention) },
  { additionalProperties: false },
);

export const TenantChangesBody = Type.Object(
  { retention: Type.Optional(retention) },
  { additionalProperties: false },
);
export type TenantChangesBody = Static<typeof TenantChangesBody>;

export const TenantSchema = Type.Object({
  id: Type.String({ example: 'ten_01hz…' }),
  name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  retention,
});
