/**
 * Which offsets of one partition are in flight, handled or failed, and the low watermark below which
 * every message is handled — the only offset that may be committed. Messages after a slow one can be
 * handled (and are never handled twice by this process), while the commit waits for the slow one.
 */
export class PartitionOffsets {
  private readonly inFlight = new Set<bigint>();
  private readonly failed = new Set<bigint>();
  private readonly done = new Set<bigint>();
  /** When each unhandled offset (in flight or failed) became due to be handled (epoch ms). */
  private readonly dueAt = new Map<bigint, number>();
  private floor: bigint | null = null;
  private highestDone: bigint | null = null;

  /**
   * Claims an offset for handling; false when it is in flight or handled already. `dueAt` is when it
   * became due (a retry's time, or when it was fetched); a failed offset taken again keeps its first.
   */
  take(offset: bigint, dueAt: number = Date.now()): boolean {
    if (this.floor !== null && offset < this.floor) return false;
    if (this.inFlight.has(offset) || this.done.has(offset)) return false;
    this.failed.delete(offset);
    this.inFlight.add(offset);
    if (!this.dueAt.has(offset)) this.dueAt.set(offset, dueAt);
    if (this.floor === null) this.floor = offset;
    return true;
  }

  /** Whether an offset is handled already, or being handled: fetched again, it is passed over. */
  isClaimed(offset: bigint): boolean {
    return (
      (this.floor !== null && offset < this.floor) ||
      this.inFlight.has(offset) ||
      this.done.has(offset)
    );
  }

  /**
   * Leaves an offset for later (its key has too much unfinished: it is fetched again once that has
   * room): like a failed one, it holds the watermark until it is taken and completes.
   */
  leave(offset: bigint, dueAt: number = Date.now()): void {
    if (this.isClaimed(offset)) return;
    this.failed.add(offset);
    if (!this.dueAt.has(offset)) this.dueAt.set(offset, dueAt);
    if (this.floor === null) this.floor = offset;
  }

  /**
   * How many offsets above the watermark this remembers (in flight, left or failed, and handled
   * after the first unfinished one): what it costs in memory. `watermark()` forgets those below it.
   */
  get tracked(): number {
    return this.inFlight.size + this.failed.size + this.done.size;
  }

  complete(offset: bigint): void {
    if (!this.inFlight.delete(offset)) return;
    this.dueAt.delete(offset);
    this.done.add(offset);
    if (this.highestDone === null || offset > this.highestDone) this.highestDone = offset;
  }

  /** Handling failed: the offset blocks the watermark until it is taken again and completes. */
  fail(offset: bigint): void {
    if (this.inFlight.delete(offset)) this.failed.add(offset);
  }

  /** When the longest-waiting unhandled offset became due (epoch ms), or null when none waits. */
  oldestDue(): number | null {
    let oldest: number | null = null;
    for (const due of this.dueAt.values()) if (oldest === null || due < oldest) oldest = due;
    return oldest;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** The lowest offset that is not handled (the next offset to commit), or null before any. */
  watermark(): bigint | null {
    let lowest: bigint | null = null;
    for (const offset of this.inFlight) if (lowest === null || offset < lowest) lowest = offset;
    for (const offset of this.failed) if (lowest === null || offset < lowest) lowest = offset;
    if (lowest === null) {
      lowest = this.highestDone === null ? this.floor : this.highestDone + 1n;
    }
    if (lowest === null) return null;
    for (const offset of this.done) if (offset < lowest) this.done.delete(offset);
    this.floor = lowest;
    return lowest;
  }
}
