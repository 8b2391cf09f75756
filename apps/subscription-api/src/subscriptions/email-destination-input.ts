import type { EmailDestination } from '@herald/domain';
import type { BodyReader } from '../common/body-reader';

/** `{type: "email", to: [...]}`. */
export function readEmailDestination(reader: BodyReader): EmailDestination {
  reader.problem('type', 'email destinations are not available yet');
  return { type: 'email', to: [] };
}
