import { Type, type Static } from '@sinclair/typebox';
import { ref } from '../common/openapi-builder';
import { Nullable } from '../common/request-schema';

/** The body of a key's creation (operator) and of a rotation (the key itself): its name. */
export const ApiKeyNameBody = Type.Object(
  {
    name: Type.Optional(
      Nullable(
        Type.String({
          maxLength: 200,
          description:
            'Name of the key; when rotating, the calling key’s name by default (or when null).',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

const dateTime = Type.String({ format: 'date-time' });

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  tenant_id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to tell keys apart.' }),
  created_at: dateTime,
  expires_at: Nullable(dateTime),
  revoked_at: Nullable(dateTime),
});

export const NewApiKeySchema = Type.Intersect([
  Type.Unsafe<Static<typeof ApiKeySchema>>(ref('ApiKey')),
  Type.Object({ key: Type.String({ description: 'Shown once; Herald keeps only its hash.' }) }),
]);
