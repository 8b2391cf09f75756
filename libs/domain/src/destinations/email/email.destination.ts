import { setting, type DestinationInput, type DestinationKind } from '../destination-kind';

export interface EmailDestination {
  type: 'email';
  to: string[];
}

const MAX_RECIPIENTS = 50;
const MAX_ADDRESS_LENGTH = 254;
/** Plausible, not RFC 5322: one `@`, something on each side, no spaces or angle brackets. */
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

function addressProblem(address: string): string | null {
  if (address.length > MAX_ADDRESS_LENGTH)
    return `must be at most ${MAX_ADDRESS_LENGTH} characters`;
  return ADDRESS.test(address) ? null : 'must be an email address such as ops@example.com';
}

export const emailKind: DestinationKind<EmailDestination> = {
  type: 'email',
  name: 'Email',
  description: 'Sends each event by email, its delivered body attached as JSON.',
  settings: [
    setting('to', 'to', 'string_list', 'The email addresses to send to.', { required: true }),
  ],
  read(input: DestinationInput): EmailDestination {
    const to =
      input.stringList('to', { required: true, max: MAX_RECIPIENTS, each: addressProblem }) ?? [];
    input.onlyKnown(['type', 'to']);
    return { type: 'email', to };
  },
  openApiSchema: {
    type: 'object',
    required: ['type', 'to'],
    additionalProperties: false,
    description:
      'Sends each event as one email through the SMTP server Herald is configured with, the delivered body attached as event.json.',
    properties: {
      type: { const: 'email' },
      to: {
        type: 'array',
        minItems: 1,
        maxItems: 50,
        items: { type: 'string', format: 'email', maxLength: 254 },
      },
    },
  },
};
