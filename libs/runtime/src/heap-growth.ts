import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets a service's old generation grow past what survived the last full collection
 * before it collects again: 100 % (twice the live heap), within the old-generation cap
 * (`SERVICE_HEAP_MB`), which still bounds memory.
 *
 * Left to V8, the factor scales with that cap, and under 256 MiB it is 1.1–1.3: event-ingest, whose
 * live heap is 35 MB, ran a full (mark-compact) collection every 100–250 ms through a burst, each
 * 10–25 ms of its thread plus the marking steps before it, and spent 27 % of its time collecting. At
 * 100 % its CPU per event in the fan-out benchmark fell by a quarter, and the deliverer's full
 * collections went from every 250–450 ms to fewer than half as many, for the same peak RSS
 * (measured 2026-12-04, README Performance). 200 % gained nothing more.
 */
export const HEAP_GROWING_PERCENT = 100;

const GROWING_FLAG = /^--heap[-_]growing[-_]percent\b/;

/**
 * Sets the heap growing factor unless the process was started with one (`node
 * --heap-growing-percent=N`: V8 refuses the flag in NODE_OPTIONS, so the command line is where an
 * operator sets their own). V8 reads it whenever it recomputes the heap's limits, so setting it as a
 * service starts, before its application is created, applies from then on. Returns what applies.
 */
export function tuneHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): string {
  const given = execArgv.find((arg) => GROWING_FLAG.test(arg));
  if (given !== undefined) return given;
  const flag = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
  setFlags(flag);
  return flag;
}
