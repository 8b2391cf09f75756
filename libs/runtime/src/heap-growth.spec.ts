import { HEAP_GROWING_PERCENT, tuneHeapGrowth } from './heap-growth';

describe('tuneHeapGrowth', () => {
  it('sets the growing factor when the process was started without one', () => {
    const set: string[] = [];
    const applied = tuneHeapGrowth(['--enable-source-maps'], (flags) => set.push(flags));
    expect(set).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
    expect(applied).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });

  it("leaves an operator's own factor alone, in either spelling", () => {
    for (const given of ['--heap-growing-percent=50', '--heap_growing_percent=300']) {
      const set: string[] = [];
      expect(tuneHeapGrowth(['--cpu-prof', given], (flags) => set.push(flags))).toBe(given);
      expect(set).toEqual([]);
    }
  });
});
