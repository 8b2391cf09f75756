import { PartitionOffsets } from './partition-offsets';

describe('PartitionOffsets', () => {
  it('has no watermark before anything is taken', () => {
    expect(new PartitionOffsets().watermark()).toBeNull();
  });

  it('holds the watermark at the first unfinished offset while later ones complete', () => {
    const offsets = new PartitionOffsets();
    for (const offset of [10n, 11n, 12n]) expect(offsets.take(offset)).toBe(true);
    offsets.complete(11n);
    offsets.complete(12n);
    expect(offsets.watermark()).toBe(10n);
    offsets.complete(10n);
    expect(offsets.watermark()).toBe(13n);
  });

  it('never hands out an offset that is in flight or handled', () => {
    const offsets = new PartitionOffsets();
    offsets.take(5n);
    offsets.take(6n);
    offsets.complete(6n);
    expect(offsets.take(5n)).toBe(false);
    expect(offsets.take(6n)).toBe(false);
    offsets.complete(5n);
    offsets.watermark();
    expect(offsets.take(4n)).toBe(false);
    expect(offsets.take(7n)).toBe(true);
  });

  it('keeps a failed offset as the watermark until it is taken again and completes', () => {
    const offsets = new PartitionOffsets();
    offsets.take(1n);
    offsets.take(2n);
    offsets.fail(1n);
    offsets.complete(2n);
    expect(offsets.watermark()).toBe(1n);
    expect(offsets.take(1n)).toBe(true);
    expect(offsets.take(2n)).toBe(false);
    offsets.complete(1n);
    expect(offsets.watermark()).toBe(3n);
  });

  it('steps over gaps in the offsets (compaction, transaction markers)', () => {
    const offsets = new PartitionOffsets();
    offsets.take(3n);
    offsets.take(7n);
    offsets.complete(3n);
    expect(offsets.watermark()).toBe(7n);
    offsets.complete(7n);
    expect(offsets.watermark()).toBe(8n);
  });

  it('counts what is in flight', () => {
    const offsets = new PartitionOffsets();
    offsets.take(1n);
    offsets.take(2n);
    offsets.complete(1n);
    expect(offsets.inFlightCount).toBe(1);
  });

  it('knows when the longest-waiting unhandled offset became due, failed ones included', () => {
    const offsets = new PartitionOffsets();
    expect(offsets.oldestDue()).toBeNull();
    offsets.take(1n, 5_000);
    offsets.take(2n, 1_000);
    offsets.take(3n, 9_000);
    expect(offsets.oldestDue()).toBe(1_000);
    offsets.complete(2n);
    expect(offsets.oldestDue()).toBe(5_000);
    // A failed offset still waits, and keeps the time it first became due when taken again.
    offsets.fail(1n);
    expect(offsets.oldestDue()).toBe(5_000);
    expect(offsets.take(1n, 20_000)).toBe(true);
    expect(offsets.oldestDue()).toBe(5_000);
    offsets.complete(1n);
    offsets.complete(3n);
    expect(offsets.oldestDue()).toBeNull();
  });

  it('holds the watermark at an offset left for later until it is taken again and completes', () => {
    const offsets = new PartitionOffsets();
    offsets.take(1n);
    offsets.leave(2n, 7_000);
    offsets.take(3n);
    offsets.complete(1n);
    offsets.complete(3n);
    expect(offsets.watermark()).toBe(2n);
    expect(offsets.oldestDue()).toBe(7_000);
    expect(offsets.tracked).toBe(2);
    // Fetched again: what is handled is passed over, what was left is taken.
    expect(offsets.isClaimed(1n)).toBe(true);
    expect(offsets.isClaimed(3n)).toBe(true);
    expect(offsets.isClaimed(2n)).toBe(false);
    expect(offsets.take(2n, 9_000)).toBe(true);
    expect(offsets.oldestDue()).toBe(7_000);
    offsets.complete(2n);
    expect(offsets.watermark()).toBe(4n);
    expect(offsets.tracked).toBe(0);
  });

  it('leaves nothing it has handled or is handling', () => {
    const offsets = new PartitionOffsets();
    offsets.take(5n);
    offsets.take(6n);
    offsets.complete(6n);
    offsets.leave(5n);
    offsets.leave(6n);
    expect(offsets.isClaimed(5n)).toBe(true);
    offsets.complete(5n);
    expect(offsets.watermark()).toBe(7n);
  });

  it('leaves the first offset it sees: the watermark starts there, not after it', () => {
    const offsets = new PartitionOffsets();
    offsets.leave(10n);
    offsets.take(11n);
    offsets.complete(11n);
    expect(offsets.watermark()).toBe(10n);
  });
});
