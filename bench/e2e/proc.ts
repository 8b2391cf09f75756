import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** What /proc says about processes: resident memory and CPU time, read the way pidstat does. */

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = 100;
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null; // gone
  }
}

export const rssBytes = (pid: number): number | null => statusField(pid, 'VmRSS');
/** The peak resident size the kernel kept for the process since it started. */
export const peakRssBytes = (pid: number): number | null => statusField(pid, 'VmHWM');

interface Stat {
  ppid: number;
  /** utime + stime, in seconds. */
  own: number;
  /** cutime + cstime: children it has reaped, in seconds. */
  reaped: number;
}

function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const tick = clockTicks();
    return {
      ppid: Number(fields[1]),
      own: (Number(fields[11]) + Number(fields[12])) / tick,
      reaped: (Number(fields[13]) + Number(fields[14])) / tick,
    };
  } catch {
    return null;
  }
}

/** CPU seconds of one process (all its threads). */
export function cpuSeconds(pid: number): number | null {
  return stat(pid)?.own ?? null;
}

/**
 * CPU seconds of a process and its children, including those that exited and were reaped (PostgreSQL's
 * backends come and go with the services' connection pools).
 */
export function treeCpuSeconds(rootPid: number): number | null {
  const root = stat(rootPid);
  if (!root) return null;
  let total = root.own + root.reaped;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = stat(Number(entry));
    if (child && child.ppid === rootPid) total += child.own + child.reaped;
  }
  return total;
}

/**
 * Samples the resident size of named processes every `everyMs` and keeps each one's peak. For the
 * processes named in `startedWithin` (the services, started for each scenario) the kernel's own peak
 * (VmHWM) counts too, so a spike between two samples is not missed.
 */
export class RssSampler {
  private readonly peaks = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pids: () => Record<string, number>,
    private readonly startedWithin: ReadonlySet<string>,
    private readonly everyMs = 500,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): Record<string, number> {
    clearInterval(this.timer);
    this.sample();
    for (const [name, pid] of Object.entries(this.pids())) {
      if (!this.startedWithin.has(name)) continue;
      const kernelPeak = peakRssBytes(pid);
      if (kernelPeak !== null) this.keep(name, kernelPeak);
    }
    return Object.fromEntries(this.peaks);
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      const rss = rssBytes(pid);
      if (rss !== null) this.keep(name, rss);
    }
  }

  private keep(name: string, bytes: number): void {
    this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, bytes));
  }
}
