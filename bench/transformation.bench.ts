import { Transformation, type TransformationInput } from '@herald/domain';

/**
 * What a body transformation costs per attempt (`npm run bench`), beside the standard body's one
 * JSON.stringify: the three seeds' shapes evaluated over a meter reading, one at a time as the
 * deliverer does.
 */
const input: TransformationInput = {
  event: {
    id: 'evt_01jb2x6kq3y0f9c8w5r4t7v2zm',
    type: 'meter_data.received',
    occurred_at: '2024-05-02T12:31:26.257Z',
    subject: 'node/123/source/site-1/inv-1',
    changed_fields: ['project.address'],
    data: {
      meter_id: 'mtr_7e2c',
      site: { id: 'site-1', name: 'Riverside community solar', tz: 'Europe/London' },
      readings: [
        { at: '2024-05-02T12:00:00Z', watts: 1200 },
        { at: '2024-05-02T12:05:00Z', watts: 1310 },
        { at: '2024-05-02T12:10:00Z', watts: 1275 },
      ],
    },
  },
  subscription_id: 'sub_01jb2x6kq3y0f9c8w5r4t7v2zn',
  delivery_id: 'dlv_01jb2x6kq3y0f9c8w5r4t7v2zp',
  attempt: 1,
  tenant_id: 'ten_01jb2x6kq3y0f9c8w5r4t7v2zq',
  metadata: { hookId: 7 },
};

const SHAPES: Record<string, string> = {
  'openvolt (rename and wrap)':
    '{"subscription_id": subscription_id, "event_id": event.type, "event_timestamp": ' +
    'event.occurred_at, "delivery_id": delivery_id, "payload": event.data}',
  'solarnetwork (merge into the datum)':
    '$merge([{"topic": event.type, "userId": tenant_id, "hookId": subscription_id}, ' +
    'event.data.site, {"watts": $sum(event.data.readings.watts)}])',
  'opensolar (computed fields)':
    '{"timestamp": $string($floor($toMillis(event.occurred_at) / 1000)), "model": "Project", ' +
    '"event": "UPDATE", "fields": event.data.readings{$string(at): watts}}',
};

async function run(label: string, source: string): Promise<void> {
  const compiled = Transformation.compile(source);
  if (!compiled.ok) throw new Error(`${label}: ${compiled.message}`);
  const transformation = compiled.value;
  for (let i = 0; i < 2_000; i++) await transformation.render(input); // warm up
  const count = 20_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const rendered = await transformation.render(input);
    if (!rendered.ok) throw new Error(`${label}: ${rendered.message}`);
  }
  const micros = Number(process.hrtime.bigint() - started) / 1000 / count;
  console.log(
    `| ${label} | ${micros.toFixed(1)} µs | ${Math.round(1e6 / micros).toLocaleString('en')} |`,
  );
}

async function main(): Promise<void> {
  const standard = { ...input, body: input.event };
  const count = 200_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) JSON.stringify(standard);
  const micros = Number(process.hrtime.bigint() - started) / 1000 / count;
  console.log('\nBody transformations, per attempt, one process:\n');
  console.log('| transformation | per attempt | attempts/s on one core |');
  console.log('| --- | ---: | ---: |');
  console.log(
    `| none (standard body, JSON.stringify) | ${micros.toFixed(1)} µs | ${Math.round(1e6 / micros).toLocaleString('en')} |`,
  );
  for (const [label, source] of Object.entries(SHAPES)) await run(label, source);
}

void main();
