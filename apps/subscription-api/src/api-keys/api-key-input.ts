import { assertNoProblems } from '../common/body-reader';
import { bodyValidator } from '../common/request-schema';
import { ApiKeyNameBody } from './api-key.schema';

const readBody = bodyValidator(ApiKeyNameBody);

/**
 * `POST /v1/api-keys/rotate` and `POST /v1/tenants/{id}/api-keys` `{name?}`: the key's name;
 * undefined when left out or null (the calling key's name, or none).
 */
export function readApiKeyName(body: unknown): string | undefined {
  const { value, problems } = readBody(body ?? {});
  assertNoProblems(problems);
  return value.name ?? undefined;
}
