import { newId } from './ids';

describe('ids', () => {
  it('are prefixed, 26 base32 characters, and sort by time', () => {
    const first = newId('evt', 1_700_000_000_000);
    const later = newId('evt', 1_700_000_000_001);
    expect(first).toMatch(/^evt_[0-9a-z]{26}$/);
    expect(first < later).toBe(true);
    expect(newId('evt', 1_700_000_000_000)).not.toBe(first);
  });
});
