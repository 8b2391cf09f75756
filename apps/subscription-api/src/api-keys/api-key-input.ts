import { assertValid, BodyReader } from '../common/body-reader';

/** `POST /v1/api-keys/rotate` `{name?}`: the new key's name, else the calling key's. */
export function readApiKeyRotation(body: unknown): { name: string | undefined } {
  const reader = new BodyReader(body ?? {});
  const name = reader.string('name', { max: 200 });
  reader.onlyKnown(['name']);
  assertValid(reader);
  return { name };
}
