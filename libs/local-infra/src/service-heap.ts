/**
 * How much old-generation heap a Herald service may grow to, in MiB. Left alone, V8 lets garbage
 * pile up to two to four times the live heap before a full collection: under a burst the services
 * peaked at 270–420 MB RSS while their live heaps stayed under 70 MB (measured with `--trace-gc`
 * in the end-to-end bench). At 144 every service stays under 250 MB at its peak, for 5–12 % of the
 * bench's burst throughput (README, Performance).
 */
export const SERVICE_HEAP_MB = 144;

/**
 * `NODE_OPTIONS` for a service process: the given options with the service heap cap in front,
 * unless they set a cap of their own (which then wins).
 */
export function serviceNodeOptions(given: string | undefined): string {
  const options = given?.trim() ?? '';
  if (/--max[-_]old[-_]space[-_]size\b/.test(options)) return options;
  return [`--max-old-space-size=${SERVICE_HEAP_MB}`, options].filter(Boolean).join(' ');
}
