/**
 * Preloaded (`node -r`) into a service the benchmark runs under `--cpu-prof`. Nest answers SIGTERM
 * with its shutdown hooks and then sends itself the same signal again, and a process a signal ends
 * writes no profile; with this listener there, that second SIGTERM exits normally instead, and the
 * profile is written.
 */
let terms = 0;
process.on('SIGTERM', () => {
  terms += 1;
  if (terms > 1) process.exit(0);
});

export {};
