import { InFlightBudget } from './in-flight-budget';

describe('InFlightBudget: backpressure of one partition', () => {
  it('is full at its message limit, and fetchable again only once half of it is finished', () => {
    const budget = new InFlightBudget(4, 1_000_000);
    for (let n = 0; n < 4; n++) {
      expect(budget.fits(10)).toBe(true);
      budget.add(10);
    }
    expect(budget.fits(10)).toBe(false);
    expect(budget.isFull).toBe(true);
    // Three left of four: not yet under half.
    expect(budget.release(1, 10)).toBe(false);
    expect(budget.isFull).toBe(true);
    // One left: the caller resumes the partition, once.
    expect(budget.release(2, 20)).toBe(true);
    expect(budget.isFull).toBe(false);
    expect(budget.release(1, 10)).toBe(false);
  });

  it('is full at its byte limit whatever the count, and under half of the bytes resumes', () => {
    const budget = new InFlightBudget(1_000, 100);
    budget.add(60);
    expect(budget.fits(30)).toBe(true);
    budget.add(30);
    expect(budget.fits(20)).toBe(false);
    expect(budget.release(1, 30)).toBe(false);
    expect(budget.release(1, 60)).toBe(true);
  });

  it('always takes a message when nothing is unfinished, however large', () => {
    const budget = new InFlightBudget(10, 100);
    expect(budget.fits(5_000)).toBe(true);
    budget.add(5_000);
    expect(budget.fits(1)).toBe(false);
    expect(budget.release(1, 5_000)).toBe(true);
    expect(budget.fits(1)).toBe(true);
  });

  it('never asks for a resume when it was not full', () => {
    const budget = new InFlightBudget(10, 100);
    budget.add(10);
    expect(budget.release(1, 10)).toBe(false);
  });

  it('gives out its reserve beyond a full budget only through fitsReserve, and counts it as unfinished', () => {
    const budget = new InFlightBudget(4, 1_000, { messages: 2, bytes: 100 });
    for (let n = 0; n < 4; n++) budget.add(10);
    expect(budget.fits(10)).toBe(false);
    expect(budget.fitsReserve(10)).toBe(true);
    budget.add(10);
    budget.add(10);
    // Six unfinished: the reserve is spent too.
    expect(budget.fitsReserve(10)).toBe(false);
    // Fetchable again only once under half of the budget itself: two unfinished of four.
    expect(budget.release(3, 30)).toBe(false);
    expect(budget.release(2, 20)).toBe(true);
  });

  it('gives out no more bytes than the limit and the reserve together', () => {
    const budget = new InFlightBudget(100, 100, { messages: 10, bytes: 50 });
    budget.add(90);
    expect(budget.fits(20)).toBe(false);
    expect(budget.fitsReserve(60)).toBe(true);
    expect(budget.fitsReserve(61)).toBe(false);
  });

  it('has room in its reserve again once at most half of it is in use', () => {
    const budget = new InFlightBudget(4, 1_000, { messages: 4, bytes: 1_000 });
    for (let n = 0; n < 8; n++) budget.add(10);
    expect(budget.fits(10)).toBe(false);
    expect(budget.fitsReserve(10)).toBe(false);
    expect(budget.reserveHasRoom).toBe(false);
    budget.release(1, 10);
    // Seven unfinished: three of the reserve's four in use.
    expect(budget.reserveHasRoom).toBe(false);
    budget.release(1, 10);
    expect(budget.reserveHasRoom).toBe(true);
    // Still full: the partition itself is fetched again only once under half of its budget.
    expect(budget.isFull).toBe(true);
  });
});
