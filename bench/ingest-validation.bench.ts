import { findUnsafeJson, parseInboundEvent } from '@herald/domain';
import { ingestShapes as shapes, measure, MAX_BYTES } from './ingest-shapes';

/**
 * What ingest spends deciding whether an inbound event may be taken (`npm run bench`): decoding,
 * the envelope rules, and the walk that refuses NUL characters, unpaired surrogates and deep
 * nesting — that walk alone, too, so its share of the per-event cost is known.
 */
console.log('ingest validation, µs per event');
console.log('| event | bytes | parse + validate | of it, the safety walk |');
console.log('|---|---|---|---|');
for (const [name, raw] of shapes) {
  const whole = measure(() => {
    if (!parseInboundEvent(raw, MAX_BYTES).ok) throw new Error(`${name} refused`);
  });
  const value = JSON.parse(raw.toString('utf8')) as unknown;
  const walk = measure(() => {
    if (findUnsafeJson(value) !== null) throw new Error(`${name} unsafe`);
  });
  console.log(`| ${name} | ${raw.length} | ${whole.toFixed(2)} | ${walk.toFixed(2)} |`);
}
