import { Type, type TUnsafe } from '@sinclair/typebox';
import { isJsonObject, type JsonObject } from '../json';
import { findUnsafeJson } from '../json-safety';
import { SECRET } from '../schema-problems';
import type { SchemaCheck } from './destination-kind';

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

/**
 * A URL the schema let through must parse, be http(s) and carry no credentials; an empty one is
 * refused as not absolute. `first`: name only the first of these problems.
 */
export function checkHttpUrl(
  value: unknown,
  field: string,
  check: SchemaCheck,
  first = false,
): void {
  if (typeof value !== 'string' || !check.fits(field)) return;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    check.problem(field, 'must be an absolute URL');
    return;
  }
  const http = parsed.protocol === 'https:' || parsed.protocol === 'http:';
  if (!http) check.problem(field, 'must be an http or https URL');
  if ((http || !first) && (parsed.username || parsed.password))
    check.problem(field, 'must not carry credentials');
}

/** A decoded JSON text must pass the check the request body passed at the door. */
function decodeObject(text: string, field: string, check: SchemaCheck): JsonObject | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isJsonObject(parsed)) {
    check.problem(field, HEADERS_HINT);
    return undefined;
  }
  const unsafe = findUnsafeJson(parsed, check.name(field));
  if (!unsafe) return parsed;
  check.problem(field, `holds JSON where ${unsafe.message}`);
  return undefined;
}

/**
 * Extra request headers: an object, or a string holding one as JSON (OpenSolar's API sends them
 * that way). Names Herald sets itself (`reserved`, and every `webhook-*`) are refused.
 */
export function checkExtraHeaders(
  value: unknown,
  check: SchemaCheck,
  reserved: ReadonlySet<string> = RESERVED_HEADERS,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value === undefined || value === null) return headers;
  const raw = typeof value === 'string' ? decodeObject(value, 'headers', check) : value;
  if (!isJsonObject(raw)) {
    if (typeof value !== 'string') check.problem('headers', HEADERS_HINT);
    return headers;
  }
  for (const [name, header] of Object.entries(raw)) {
    if (!HEADER_NAME.test(name)) check.problem(`headers.${name}`, 'is not a valid header name');
    else if (reserved.has(name.toLowerCase()) || name.toLowerCase().startsWith('webhook-')) {
      check.problem(`headers.${name}`, 'is set by Herald and cannot be overridden');
    } else if (typeof header !== 'string' || header.length > 4096 || /[\r\n]/.test(header)) {
      check.problem(`headers.${name}`, 'must be a single-line string of at most 4096 characters');
    } else headers[name] = header;
  }
  return headers;
}

/** The URL and extra headers of a kind that POSTs to an HTTP endpoint, checked past the schema. */
export function checkEndpoint(
  value: { url?: unknown; headers?: unknown },
  check: SchemaCheck,
  reserved: ReadonlySet<string> = RESERVED_HEADERS,
): { url: string; headers: Record<string, string> } {
  checkHttpUrl(value.url, 'url', check);
  const headers = checkExtraHeaders(value.headers, check, reserved);
  return { url: typeof value.url === 'string' ? value.url : '', headers };
}

/** A regular expression matching `word` in any case (JSON Schema patterns take no flags). */
const anyCase = (word: string): string =>
  [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)).join('');

/** The OpenAPI schema of `headers`: valid names, none Herald sets itself, single-line values. */
export function extraHeadersSchema(
  reserved: ReadonlySet<string>,
  description: string,
  example = '{"Authorization": "Token abc"}',
): TUnsafe<Record<string, string> | string | null> {
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
  return Type.Unsafe({
    [SECRET]: true,
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
  });
}

/** The endpoint Herald POSTs to; that it parses as http(s) without credentials is `checkHttpUrl`'s. */
export const endpointUrlSchema = (description: string) =>
  Type.String({ format: 'uri', maxLength: 2048, description });
