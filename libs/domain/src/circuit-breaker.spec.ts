import { CircuitBreakers } from './circuit-breaker';

describe('CircuitBreakers', () => {
  const breakers = (): CircuitBreakers =>
    new CircuitBreakers({ failureThreshold: 3, openMs: 1000 });

  it('lets calls through until the threshold of consecutive failures', () => {
    const circuits = breakers();
    circuits.failed('a', 0);
    circuits.failed('a', 0);
    expect(circuits.decide('a', 0)).toEqual({ kind: 'attempt' });
    circuits.failed('a', 0);
    expect(circuits.decide('a', 10)).toEqual({ kind: 'skip', retryAt: 1000 });
  });

  it('a success resets the count', () => {
    const circuits = breakers();
    circuits.failed('a', 0);
    circuits.failed('a', 0);
    circuits.succeeded('a');
    circuits.failed('a', 0);
    expect(circuits.decide('a', 0)).toEqual({ kind: 'attempt' });
  });

  it('says an endpoint is failing from its first failure until a success', () => {
    const circuits = breakers();
    expect(circuits.isFailing('a')).toBe(false);
    circuits.failed('a', 0);
    expect(circuits.isFailing('a')).toBe(true);
    expect(circuits.isFailing('b')).toBe(false);
    circuits.succeeded('a');
    expect(circuits.isFailing('a')).toBe(false);
  });

  it('keeps endpoints apart', () => {
    const circuits = breakers();
    for (let i = 0; i < 3; i++) circuits.failed('a', 0);
    expect(circuits.decide('b', 0)).toEqual({ kind: 'attempt' });
  });

  it('lets one trial through when the open time is over; success closes, failure reopens', () => {
    const circuits = breakers();
    for (let i = 0; i < 3; i++) circuits.failed('a', 0);
    expect(circuits.decide('a', 1000)).toEqual({ kind: 'attempt' });
    expect(circuits.decide('a', 1001)).toEqual({ kind: 'skip', retryAt: 2000 });
    circuits.failed('a', 1500);
    expect(circuits.decide('a', 1600)).toEqual({ kind: 'skip', retryAt: 2500 });
    expect(circuits.decide('a', 2500)).toEqual({ kind: 'attempt' });
    circuits.succeeded('a');
    expect(circuits.decide('a', 2501)).toEqual({ kind: 'attempt' });
    expect(circuits.isOpen('a', 2501)).toBe(false);
  });

  it('forgets the least recently failing endpoint beyond its capacity', () => {
    const circuits = new CircuitBreakers({ failureThreshold: 1, openMs: 1000, maxEndpoints: 2 });
    circuits.failed('a', 0);
    circuits.failed('b', 0);
    circuits.failed('c', 0);
    expect(circuits.isOpen('a', 1)).toBe(false);
    expect(circuits.isOpen('c', 1)).toBe(true);
  });
});
