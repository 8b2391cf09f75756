import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/**
 * Preloaded (`node -r`) into a service when HERALD_BENCH_ALLOC_PROF names a directory: V8's
 * sampling heap profiler records every allocation, including the objects the garbage collector has
 * since taken (what `--heap-prof` leaves out), so the profile shows who makes the collector work.
 * It is written as `<HERALD_BENCH_ALLOC_NAME>.heapprofile` (open it in Chrome DevTools' Memory tab)
 * when the service is stopped.
 */
const dir = process.env.HERALD_BENCH_ALLOC_PROF;
const name = process.env.HERALD_BENCH_ALLOC_NAME ?? `service-${process.pid}`;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 32 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  let written = false;
  const write = (): void => {
    if (written) return;
    written = true;
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(join(dir, `${name}.heapprofile`), JSON.stringify(result.profile));
    });
  };
  process.on('SIGTERM', write);
  process.on('beforeExit', write);
}
