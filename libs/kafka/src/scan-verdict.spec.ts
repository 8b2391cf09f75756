import { scanVerdict } from './scan-verdict';

const LIGHT = 100;
const BEHIND = 1_000;
const NOW = 10_000;

describe('scanVerdict: what a scanned partition does with a key', () => {
  it('takes a key with little unfinished, whatever its pace', () => {
    expect(scanVerdict(0, null, NOW, LIGHT, BEHIND)).toBe('take');
    const stuck = { since: 0, finishedAt: null, waitingSince: 0 };
    expect(scanVerdict(LIGHT - 1, stuck, NOW, LIGHT, BEHIND)).toBe('take');
  });

  it('takes a busy key that keeps up: it finished lately and nothing of it waits long', () => {
    const burst = { since: NOW - 5_000, finishedAt: NOW - 10, waitingSince: NOW - 200 };
    expect(scanVerdict(400, burst, NOW, LIGHT, BEHIND)).toBe('take');
    const allRunning = { since: NOW - 5_000, finishedAt: NOW - 10, waitingSince: null };
    expect(scanVerdict(400, allRunning, NOW, LIGHT, BEHIND)).toBe('take');
  });

  it('leaves a busy key whose next message has waited long, though it finished one lately', () => {
    // A 2 s endpoint: its window's calls come back together, then the next ones start.
    const slow = { since: NOW - 5_000, finishedAt: NOW - 10, waitingSince: NOW - BEHIND };
    expect(scanVerdict(LIGHT, slow, NOW, LIGHT, BEHIND)).toBe('leave');
  });

  it('leaves a key busy for long that finished nothing lately, even with nothing waiting', () => {
    const hanging = { since: NOW - BEHIND, finishedAt: null, waitingSince: null };
    expect(scanVerdict(LIGHT, hanging, NOW, LIGHT, BEHIND)).toBe('leave');
    const quiet = { since: NOW - 5_000, finishedAt: NOW - BEHIND, waitingSince: null };
    expect(scanVerdict(LIGHT, quiet, NOW, LIGHT, BEHIND)).toBe('leave');
  });

  it('waits for a busy key new to its partition that has finished nothing yet', () => {
    const fresh = { since: NOW - 5, finishedAt: null, waitingSince: NOW - 5 };
    expect(scanVerdict(LIGHT, fresh, NOW, LIGHT, BEHIND)).toBe('wait');
  });
});
