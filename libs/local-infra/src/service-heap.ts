/**
 * How much old-generation heap a Herald service may grow to, in MiB. Left alone, V8 lets garbage
 * pile up to two to four times the live heap before a full collection: under a burst the services
 * peaked at 270–420 MB RSS while their live heaps stayed under 70 MB (measured with `--trace-gc`
 * in the end-to-end bench). At 144 every service stays under 250 MB at its peak, for 5–12 % of the
 * bench's burst throughput (README, Performance). Under such a cap V8 grows the heap only 1.1–1.3
 * times the live heap between full collections; the services set the factor to 2 themselves as they
 * start (`tuneHeapGrowth`, libs/runtime), within this cap.
 */
export const SERVICE_HEAP_MB = 144;

/**
 * The young generation's semi-space, in MiB, named rather than left to V8. Node 20's V8 sized it at
 * 16 whatever the old-generation cap; Node 24's derives it from the cap and, under 144 MiB, chose 64
 * (a heap limit of 336 MiB instead of 192), and event-ingest and the matcher (a service of its own
 * then) spent 84–90 % of their time collecting: 178 deliveries/s in the bench's burst instead of
 * 1,567 with 16. Four alternating rounds of 16 against 8 (README, Performance) then gave the same
 * throughput and every service 15–25 MB less at its peak with 8; 32 made fan-out slower and passed
 * 250 MB.
 *
 * The deliverer's is 16 (measured 2026-12-04, once a delivery allocated about 45 KB instead of
 * 60): at thousands of deliveries a second the deliverer scavenged 25 times a second, 5 ms each,
 * copying the same in-flight deliveries every time (12–13 % of its thread, and what survived two
 * scavenges went on to the old generation: 4–5 % more). 16 halves the scavenges for the same
 * copying: its CPU per delivery in fan-out fell 18 % (fan-out 4,655–4,810 → 5,110–5,645/s, single
 * 3,889–4,041 → 4,155–4,187/s, alternating runs) for 228 MB at its peak instead of 209; 32 passed
 * 250 MB. The other services gained nothing measurable from 16 and keep 8.
 */
export const SERVICE_SEMI_SPACE_MB = {
  'subscription-api': 8,
  'event-ingest': 8,
  deliverer: 16,
} as const;

/** A process the launchers start with these settings. */
export type HeapRole = keyof typeof SERVICE_SEMI_SPACE_MB;

const OLD_SPACE = /--max[-_]old[-_]space[-_]size\b/;
const SEMI_SPACE = /--max[-_]semi[-_]space[-_]size\b/;

/**
 * `NODE_OPTIONS` for a service process: the given options with the service heap cap and the role's
 * semi-space in front, each unless the options set it themselves (theirs then wins).
 */
export function serviceNodeOptions(given: string | undefined, role: HeapRole): string {
  const options = given?.trim() ?? '';
  return [
    OLD_SPACE.test(options) ? '' : `--max-old-space-size=${SERVICE_HEAP_MB}`,
    SEMI_SPACE.test(options) ? '' : `--max-semi-space-size=${SERVICE_SEMI_SPACE_MB[role]}`,
    options,
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * glibc's malloc setting for a service: allocations from 128 KiB up are mapped on their own and
 * given back whole when freed. Left to glibc, the threshold rises to the largest block freed so far
 * (a Kafka fetch response, a produce request, a statement's JSON: megabytes), after which such blocks
 * come from the process heap, which is rarely given back: in a 100,000-delivery fan-out the
 * deliverer's malloc heap grew to 48–65 MB against 20 with this, and its peak RSS from 274–284 to
 * 244–252 MB (event-ingest's likewise), at the same rate (measured 2026-12-04, README Performance).
 */
export const SERVICE_MALLOC_MMAP_THRESHOLD = 128 * 1024;

/**
 * The environment a launcher gives a service process of `role` besides its own settings:
 * `NODE_OPTIONS` (serviceNodeOptions) and glibc's mmap threshold, each as `given` has it when set.
 */
export function serviceEnvironment(
  given: Readonly<Record<string, string | undefined>>,
  role: HeapRole,
): { NODE_OPTIONS: string; MALLOC_MMAP_THRESHOLD_: string } {
  return {
    NODE_OPTIONS: serviceNodeOptions(given.NODE_OPTIONS, role),
    MALLOC_MMAP_THRESHOLD_:
      given.MALLOC_MMAP_THRESHOLD_?.trim() || String(SERVICE_MALLOC_MMAP_THRESHOLD),
  };
}
