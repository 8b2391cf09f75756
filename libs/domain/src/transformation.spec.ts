import {
  Transformation,
  TransformationCache,
  TRANSFORMATION_LIMITS,
  type TransformationInput,
} from './transformation';

const input: TransformationInput = {
  event: {
    id: 'evt_1',
    type: 'meter_data.received',
    occurred_at: '2026-01-01T00:00:00.000Z',
    subject: 'meter/m-1',
    changed_fields: null,
    data: [
      { meter_id: 'm-1', start_interval: '2026-01-01T00:00:00Z' },
      { meter_id: 'm-2', start_interval: '2026-01-01T00:30:00Z' },
    ],
  },
  subscription_id: 'sub_1',
  delivery_id: 'dlv_1',
  attempt: 2,
  tenant_id: 'ten_1',
  metadata: { hookId: 7 },
};

const compile = (source: string): Transformation => {
  const result = Transformation.compile(source);
  if (!result.ok) throw new Error(result.message);
  return result.value;
};

describe('Transformation', () => {
  it('renders the body from the event, the ids and the attempt', async () => {
    const transformation = compile(`{
      "subscription_id": subscription_id,
      "event_id": event.type,
      "event_timestamp": event.occurred_at,
      "delivery_id": delivery_id,
      "attempt": attempt,
      "tenant": tenant_id,
      "hook": metadata.hookId,
      "meters": event.data.meter_id,
      "payload": event.data
    }`);
    const rendered = await transformation.render(input);
    expect(rendered).toEqual({ ok: true, body: expect.any(String) as string });
    expect(JSON.parse((rendered as { body: string }).body)).toEqual({
      subscription_id: 'sub_1',
      event_id: 'meter_data.received',
      event_timestamp: '2026-01-01T00:00:00.000Z',
      delivery_id: 'dlv_1',
      attempt: 2,
      tenant: 'ten_1',
      hook: 7,
      meters: ['m-1', 'm-2'],
      payload: input.event.data,
    });
  });

  it('may return any JSON value, a list or a string', async () => {
    expect(await compile('event.data').render(input)).toEqual({
      ok: true,
      body: JSON.stringify(input.event.data),
    });
    expect(await compile('"hello " & event.subject').render(input)).toEqual({
      ok: true,
      body: '"hello meter/m-1"',
    });
  });

  it('refuses what does not compile, naming the error and its position', () => {
    const result = Transformation.compile('{"a": event.id');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(
      /^is not a valid JSONata expression: S0\d+ at position \d+/,
    );
  });

  it('refuses empty and over-long sources', () => {
    expect(Transformation.compile('  ')).toEqual({ ok: false, message: 'must not be empty' });
    expect(Transformation.compile(`"${'x'.repeat(20_000)}"`).ok).toBe(false);
  });

  it('refuses regular expressions, whose running time cannot be bounded', () => {
    for (const source of [
      '$match(event.id, /a+/)',
      '$split(event.id, /[-_]/)',
      'event.id ~> /x/',
    ]) {
      const result = Transformation.compile(source);
      expect(result).toEqual({
        ok: false,
        message: expect.stringMatching(/regular expressions/) as string,
      });
    }
    // A string pattern is literal, not a regular expression.
    expect(Transformation.compile('$split(event.id, "_")').ok).toBe(true);
  });

  it('compiles expressions whose parsed form shares nodes (parent steps)', async () => {
    const transformation = compile('event.data.{"meter": meter_id, "at": %.occurred_at}');
    expect(await transformation.render(input)).toEqual({
      ok: true,
      body: JSON.stringify([
        { meter: 'm-1', at: '2026-01-01T00:00:00.000Z' },
        { meter: 'm-2', at: '2026-01-01T00:00:00.000Z' },
      ]),
    });
  });

  it('fails a delivery that gives no value, with a reason', async () => {
    expect(await compile('event.nothing').render(input)).toEqual({
      ok: false,
      message: 'transformation failed: it gave no value for this delivery',
    });
  });

  it('fails a delivery whose evaluation errors, naming the error', async () => {
    const rendered = await compile('$number(event.id)').render(input);
    expect(rendered).toEqual({
      ok: false,
      message: expect.stringMatching(/^transformation failed: D\d+/) as string,
    });
  });

  it('stops endless recursion', async () => {
    const rendered = await compile('($f := function($n){ $f($n + 1) }; $f(0))').render(input);
    expect(rendered).toEqual({
      ok: false,
      message: expect.stringMatching(/^transformation failed/) as string,
    });
  });

  it('stops an evaluation that takes more than its steps', async () => {
    const started = Date.now();
    const rendered = await compile(
      '($f := function($n){ $n > 0 ? $f($n - 1) + $f($n - 1) : 1 }; $f(40))',
    ).render(input);
    expect(rendered).toEqual({
      ok: false,
      message: 'transformation failed: it took more than 200,000 evaluation steps',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('counts each evaluation apart: one at its limit is stopped, many small ones at once are not', async () => {
    const transformation = compile(
      '($f := function($n){ $n > 0 ? $f($n - 1) + $f($n - 1) : 1 }; $f(14))',
    );
    // 2^15 calls, about 330,000 steps: over the limit alone, whatever runs beside it.
    const small = compile('{"id": event.id, "items": [1..20].{"n": $}}');
    const results = await Promise.all([
      transformation.render(input),
      ...Array.from({ length: 2_000 }, () => small.render(input)),
    ]);
    expect(results[0]).toEqual({
      ok: false,
      message: expect.stringMatching(/more than 200,000 evaluation steps/) as string,
    });
    expect(results.slice(1).every((rendered) => rendered.ok)).toBe(true);
  });

  it('does not fail for time spent waiting: a stall while evaluations are in flight', async () => {
    const pending = Array.from({ length: 50 }, () =>
      compile('{"id": event.id, "items": [1..20].{"n": $}}').render(input),
    );
    const until = Date.now() + 300;
    while (Date.now() < until); // the event loop blocked (a pause, a slow neighbour)
    const results = await Promise.all(pending);
    expect(results.every((rendered) => rendered.ok)).toBe(true);
  });

  it('refuses a body larger than the limit', async () => {
    const rendered = await compile('$pad("", 300000, "x")').render(input);
    expect(rendered).toEqual({
      ok: false,
      message: `transformation failed: its body is larger than ${TRANSFORMATION_LIMITS.maxBodyBytes} bytes`,
    });
  });

  it('refuses sequences past the limit', async () => {
    const rendered = await compile('$count([1..200000])').render(input);
    expect(rendered.ok).toBe(false);
  });
});

describe('TransformationCache', () => {
  it('compiles a source once and keeps the reason one does not compile', () => {
    const cache = new TransformationCache(2);
    const first = cache.get('event.id');
    expect(first).toBeInstanceOf(Transformation);
    expect(cache.get('event.id')).toBe(first);
    expect(cache.get('{')).toEqual(expect.stringMatching(/^is not a valid JSONata expression/));
  });

  it('drops the least recently used past its capacity', () => {
    const cache = new TransformationCache(2);
    const a = cache.get('event.id');
    cache.get('event.type');
    cache.get('event.id'); // a is now the most recent
    cache.get('event.subject'); // drops event.type
    expect(cache.get('event.id')).toBe(a);
    const b = cache.get('event.type');
    expect(cache.get('event.type')).toBe(b);
  });
});
