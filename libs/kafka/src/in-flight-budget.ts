/**
 * How much of one partition may be unfinished at once, in messages and in bytes: the memory bound of
 * a consumer that lets work go on in the background. Once full, the partition is paused; it is
 * fetched again when half of each limit is free, so a paused partition always has a way back —
 * finishing what it holds. A partition with nothing unfinished takes its next message however large.
 */
export class InFlightBudget {
  private messages = 0;
  private bytes = 0;
  private full = false;

  /**
   * `reserve` is room beyond the limits that only `fitsReserve` gives out: while the partition is
   * full, a key with little unfinished still gets its messages started (see `ConsumerRunner`).
   */
  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
    private readonly reserve: { messages: number; bytes: number } = { messages: 0, bytes: 0 },
  ) {}

  /** Whether a message of `size` bytes fits; when it does not, the partition is full. */
  fits(size: number): boolean {
    const fits =
      this.messages < this.maxMessages &&
      (this.messages === 0 || this.bytes + size <= this.maxBytes);
    if (!fits) this.full = true;
    return fits;
  }

  /** Whether a message of `size` bytes fits the limits and the reserve beyond them together. */
  fitsReserve(size: number): boolean {
    return (
      this.messages < this.maxMessages + this.reserve.messages &&
      this.bytes + size <= this.maxBytes + this.reserve.bytes
    );
  }

  /**
   * At most half of the reserve in use: a partition that spent it (and paused) takes light keys'
   * messages again.
   */
  get reserveHasRoom(): boolean {
    return (
      this.messages <= this.maxMessages + this.reserve.messages / 2 &&
      this.bytes <= this.maxBytes + this.reserve.bytes / 2
    );
  }

  /** Counts a message taken. */
  add(size: number): void {
    this.messages++;
    this.bytes += size;
  }

  /**
   * Gives back finished (or handed back) messages; true when this makes a full partition fetchable
   * again — the caller resumes it.
   */
  release(count: number, size: number): boolean {
    this.messages -= count;
    this.bytes -= size;
    if (!this.full || this.messages >= this.maxMessages / 2 || this.bytes >= this.maxBytes / 2) {
      return false;
    }
    this.full = false;
    return true;
  }

  /** Full, and not yet back under half: the partition stays paused. */
  get isFull(): boolean {
    return this.full;
  }
}
