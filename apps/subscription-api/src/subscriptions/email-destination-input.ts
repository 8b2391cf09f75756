import type { EmailDestination } from '@herald/domain';
import type { BodyReader } from '../common/body-reader';

const MAX_RECIPIENTS = 50;
const MAX_ADDRESS_LENGTH = 254;
/** Plausible, not RFC 5322: one `@`, something on each side, no spaces or angle brackets. */
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

function addressProblem(address: string): string | null {
  if (address.length > MAX_ADDRESS_LENGTH)
    return `must be at most ${MAX_ADDRESS_LENGTH} characters`;
  return ADDRESS.test(address) ? null : 'must be an email address such as ops@example.com';
}

/** `{type: "email", to: [...]}`. */
export function readEmailDestination(reader: BodyReader): EmailDestination {
  const to =
    reader.stringList('to', { required: true, max: MAX_RECIPIENTS, each: addressProblem }) ?? [];
  reader.onlyKnown(['type', 'to']);
  return { type: 'email', to };
}
