import { newId, stableId } from './ids';

describe('ids', () => {
  it('are prefixed, 26 base32 characters, and sort by time', () => {
    const first = newId('evt', 1_700_000_000_000);
    const later = newId('evt', 1_700_000_000_001);
    expect(first).toMatch(/^evt_[0-9a-z]{26}$/);
    expect(first < later).toBe(true);
    expect(newId('evt', 1_700_000_000_000)).not.toBe(first);
  });

  it('from a seed are the same each time, differ by seed, and still sort by time', () => {
    const id = stableId('evt', 1_700_000_000_000, 'herald.events.inbound/3/1200');
    expect(id).toMatch(/^evt_[0-9a-z]{26}$/);
    // Pinned: a record handled again after an upgrade must find the event stored before it.
    expect(id).toBe('evt_01hf7yat005v44201wmb4z8t3j');
    expect(stableId('evt', 1_700_000_000_000, 'herald.events.inbound/3/1200')).toBe(id);
    expect(stableId('evt', 1_700_000_000_000, 'herald.events.inbound/3/1201')).not.toBe(id);
    expect(id < stableId('evt', 1_700_000_000_001, 'herald.events.inbound/0/0')).toBe(true);
  });
});
