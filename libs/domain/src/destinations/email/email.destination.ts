import { Type, type Static } from '@sinclair/typebox';
import { PROBLEM } from '../../schema-problems';
import { schemaKind } from '../destination-kind';

const MAX_ADDRESS_LENGTH = 254;

export const EmailDestinationSchema = Type.Object(
  {
    type: Type.Literal('email'),
    to: Type.Array(Type.String({ format: 'email', maxLength: MAX_ADDRESS_LENGTH }), {
      minItems: 1,
      maxItems: 50,
      [PROBLEM]: { type: 'must be an array of strings' },
      description: 'The email addresses to send to.',
    }),
  },
  {
    additionalProperties: false,
    description:
      'Sends each event as one email through the SMTP server Herald is configured with, the delivered body attached as event.json.',
  },
);

export type EmailDestination = Static<typeof EmailDestinationSchema>;

/** Plausible, not RFC 5322: one `@`, something on each side, no spaces or angle brackets. */
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

export const emailKind = schemaKind<typeof EmailDestinationSchema, EmailDestination>({
  type: 'email',
  name: 'Email',
  description: 'Sends each event by email, its delivered body attached as JSON.',
  schema: EmailDestinationSchema,
  read(value, check): EmailDestination {
    const to = check.fits('to') && Array.isArray(value.to) ? value.to : [];
    to.forEach((address, index) => {
      if (check.fits(`to[${index}]`) && !ADDRESS.test(address)) {
        check.problem(`to[${index}]`, 'must be an email address such as ops@example.com');
      }
    });
    return { type: 'email', to };
  },
});
