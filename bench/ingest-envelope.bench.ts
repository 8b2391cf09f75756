import { Type, type Static } from '@sinclair/typebox';
import Ajv from 'ajv';
import { isUtf8 } from 'node:buffer';
import { findUnsafeJson, isJsonObject, parseInboundEvent, type InboundEvent } from '@herald/domain';
import { ingestShapes, measure, MAX_BYTES } from './ingest-shapes';

/**
 * Issue 16 item 4: would a schema (TypeBox, compiled by ajv) check an inbound event's envelope as
 * cheaply as the hand-written rules of `validateInboundEvent`? Both sides decode the same bytes and
 * walk the value for NUL characters, unpaired surrogates and depth (no JSON Schema keyword says
 * that); only the envelope check differs. Run: `npm run build && node -r
 * ./scripts/register-aliases.js dist/bench/ingest-envelope.bench.js`.
 */
const InboundEnvelope = Type.Object({
  id: Type.Optional(
    Type.Union([Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,200}$' }), Type.Null()]),
  ),
  tenant_id: Type.String({ minLength: 1, maxLength: 100 }),
  type: Type.String({
    maxLength: 200,
    pattern: '^[A-Za-z0-9_\\-/]+(\\.[A-Za-z0-9_\\-/]+)*$',
  }),
  occurred_at: Type.Optional(
    Type.Union([
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
      }),
      Type.Null(),
    ]),
  ),
  subject: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  changed_fields: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  // Any JSON value but null.
  data: Type.Union([
    Type.Object({}),
    Type.Array(Type.Unknown()),
    Type.String(),
    Type.Number(),
    Type.Boolean(),
  ]),
});

// As ingest would: the first problem only (a refusal names one field), compiled once.
const validateEnvelope = new Ajv({ allErrors: false }).compile<Static<typeof InboundEnvelope>>(
  InboundEnvelope,
);

/** `parseInboundEvent` step for step, with the schema in place of the hand-written envelope rules. */
function bySchema(raw: Buffer): boolean {
  if (raw.length > MAX_BYTES || !isUtf8(raw)) return false;
  const value = JSON.parse(raw.toString('utf8')) as unknown;
  if (!isJsonObject(value) || findUnsafeJson(value) !== null) return false;
  if (!validateEnvelope(value)) return false;
  const { id, tenant_id, type, occurred_at, subject, changed_fields, data } = value;
  // "A time that exists" is not a pattern: the same Date.parse as the hand-written rules.
  if (typeof occurred_at === 'string' && Number.isNaN(Date.parse(occurred_at))) return false;
  if (raw.length * 6 > MAX_BYTES && Buffer.byteLength(JSON.stringify(value)) > MAX_BYTES) {
    return false;
  }
  const event: InboundEvent = {
    id: id ?? null,
    tenantId: tenant_id,
    type,
    occurredAt: typeof occurred_at === 'string' ? new Date(occurred_at).toISOString() : null,
    subject: subject ?? null,
    changedFields: changed_fields ?? null,
    data: data as InboundEvent['data'],
  };
  return event.tenantId.length > 0;
}

console.log(
  'ingest envelope check, hand-written rules vs a TypeBox schema compiled by ajv, µs per event',
);
console.log(
  '| event | bytes | parseInboundEvent (by hand) | same with the schema | envelope alone: by hand | envelope alone: schema |',
);
console.log('|---|---|---|---|---|---|');
/** The machine is shared: each side runs three times, interleaved, and its best run counts. */
function best(...runs: (() => void)[]): number[] {
  const results = runs.map(() => Infinity);
  for (let round = 0; round < 3; round++) {
    runs.forEach((run, i) => (results[i] = Math.min(results[i], measure(run))));
  }
  return results;
}

for (const [name, raw] of ingestShapes) {
  // The envelope alone: a copy whose `data` is tiny, so neither side pays for the walk.
  const envelope = { ...(JSON.parse(raw.toString('utf8')) as Record<string, unknown>), data: {} };
  const envelopeRaw = Buffer.from(JSON.stringify(envelope));
  const figures = best(
    () => {
      if (!parseInboundEvent(raw, MAX_BYTES).ok) throw new Error(`${name} refused`);
    },
    () => {
      if (!bySchema(raw)) throw new Error(`${name} refused by the schema`);
    },
    () => {
      if (!parseInboundEvent(envelopeRaw, MAX_BYTES).ok) throw new Error('envelope refused');
    },
    () => {
      if (!bySchema(envelopeRaw)) throw new Error('envelope refused by the schema');
    },
  );
  console.log(`| ${name} | ${raw.length} | ${figures.map((f) => f.toFixed(2)).join(' | ')} |`);
}
