import type { DestinationInput } from './destination-kind';

/** Settings shared by the kinds that POST to an HTTP endpoint: its URL and extra headers. */

export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Headers Herald sets itself; a subscription may not override them. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'host',
  'user-agent',
  'connection',
  'transfer-encoding',
]);
const HEADERS_HINT =
  'must be an object of header names to string values, or a string holding one as JSON';

/** A required http(s) URL without credentials; an empty one is refused as not absolute. */
export function readEndpointUrl(input: DestinationInput, field: string): string {
  const known = input.problems.length;
  const url = input.string(field, { required: true, max: 2048 });
  if (input.problems.length === known) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      input.problem(field, 'must be an absolute URL');
    }
    if (parsed && parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      input.problem(field, 'must be an http or https URL');
    }
    if (parsed && (parsed.username || parsed.password))
      input.problem(field, 'must not carry credentials');
  }
  return url;
}

/**
 * Extra request headers: an object, or a string holding one as JSON. Names Herald sets itself
 * (`reserved`, and every `webhook-*`) are refused.
 */
export function readExtraHeaders(
  input: DestinationInput,
  reserved: ReadonlySet<string> = RESERVED_HEADERS,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = input.objectOrJsonText('headers', HEADERS_HINT) ?? {};
  for (const [name, value] of Object.entries(raw)) {
    if (!HEADER_NAME.test(name)) input.problem(`headers.${name}`, 'is not a valid header name');
    else if (reserved.has(name.toLowerCase()) || name.toLowerCase().startsWith('webhook-')) {
      input.problem(`headers.${name}`, 'is set by Herald and cannot be overridden');
    } else if (typeof value !== 'string' || value.length > 4096 || /[\r\n]/.test(value)) {
      input.problem(`headers.${name}`, 'must be a single-line string of at most 4096 characters');
    } else headers[name] = value;
  }
  return headers;
}

/** A regular expression matching `word` in any case (JSON Schema patterns take no flags). */
const anyCase = (word: string): string =>
  [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)).join('');

/** The OpenAPI schema of `headers`: valid names, none Herald sets itself, single-line values. */
export function extraHeadersSchema(
  reserved: ReadonlySet<string>,
  description: string,
  example = '{"Authorization": "Token abc"}',
): Record<string, unknown> {
  const headers = {
    type: 'object',
    propertyNames: {
      pattern: HEADER_NAME.source,
      not: {
        pattern: `^(${[...reserved].map(anyCase).join('|')})$|^${anyCase('webhook-')}`,
      },
    },
    additionalProperties: { type: 'string', maxLength: 4096, pattern: '^[^\\r\\n]*$' },
  };
  return {
    oneOf: [
      { type: 'null' },
      headers,
      {
        type: 'string',
        contentMediaType: 'application/json',
        contentSchema: headers,
        example,
        description: 'The same object as JSON text, as OpenSolar’s API sends it.',
      },
    ],
    description,
  };
}
