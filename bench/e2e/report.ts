import type { Percentiles, ScenarioResult } from './scenarios';

/** The benchmark's table, in markdown, as printed and as pasted into the README. */

export interface Machine {
  cpus: number;
  model: string;
  totalMemoryBytes: number;
  node: string;
  os: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
}

const dash = '—';

function rate(perSecond: number): string {
  return perSecond >= 100
    ? Math.round(perSecond).toLocaleString('en')
    : perSecond.toFixed(perSecond >= 10 ? 1 : 2);
}

function duration(ms: number | null): string {
  if (ms === null) return '> cap';
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

function latency(p: Percentiles | undefined): string {
  return p ? `${duration(p.p50)} / ${duration(p.p95)} / ${duration(p.p99)}` : dash;
}

function ratio(value: number | null): string {
  if (value === null) return dash;
  const percent = value * 100;
  return `${percent >= 10 ? percent.toFixed(0) : percent.toFixed(percent >= 1 ? 1 : 2)} %`;
}

const mib = (bytes: number | undefined): string =>
  bytes === undefined ? dash : String(Math.round(bytes / 1024 / 1024));

const count = (value: number | null): string =>
  value === null ? dash : value.toLocaleString('en');

/** Where the unconsumed messages sat when the scenario ended, by the stage that had yet to read them. */
function backlog(byTopic: Record<string, number>): string {
  const stages: [string, number][] = [
    ['ingest', byTopic['herald.events.inbound'] ?? 0],
    ['deliverer', byTopic['herald.deliveries'] ?? 0],
    [
      'retry topics',
      Object.entries(byTopic)
        .filter(([topic]) => topic.startsWith('herald.deliveries.retry.'))
        .reduce((sum, [, n]) => sum + n, 0),
    ],
  ];
  const parts = stages.filter(([, n]) => n > 0).map(([stage, n]) => `${stage} ${count(n)}`);
  return parts.length > 0 ? parts.join(', ') : dash;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

export function resultsTable(results: readonly ScenarioResult[]): string {
  const lines = [
    row([
      'scenario',
      'delivered / expected',
      'deliveries/s',
      'of ceiling',
      'accepted→2xx p50 / p95 / p99',
      'deferrals',
      'lost',
      'dup',
      'peak RSS MB api / ingest / deliverer',
      'unconsumed at end',
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
  ];
  for (const r of results) {
    const rss = r.peakRssBytes;
    const services = ['subscription-api', 'event-ingest', 'deliverer'];
    lines.push(
      row([
        `${r.title}${r.capped ? ` (cap ${r.capSeconds} s)` : ''}`,
        r.expected === null ? count(r.delivered) : `${count(r.delivered)} / ${count(r.expected)}`,
        rate(r.deliveriesPerSecond),
        ratio(r.ratioToCeiling),
        latency(r.latencyMs?.accepted),
        count(r.deferrals),
        count(r.lost),
        count(r.duplicates),
        services.some((s) => rss[s] !== undefined)
          ? services.map((s) => mib(rss[s])).join(' / ')
          : dash,
        backlog(r.backlogAtEnd),
      ]),
    );
  }
  return lines.join('\n');
}

const PROCESSES = [
  'subscription-api',
  'event-ingest',
  'deliverer',
  'kafka',
  'postgres',
  'receiver',
  'load',
];

/** Average cores each process used over each scenario's window. */
export function cpuTable(results: readonly ScenarioResult[]): string {
  const lines = [
    row(['scenario', ...PROCESSES, 'total', 'PostgreSQL WAL / commits per delivery']),
    row(['---', ...PROCESSES.map(() => '---:'), '---:', '---:']),
  ];
  for (const r of results) {
    const cores = PROCESSES.map((name) => r.cpuCores[name]);
    const total = cores.reduce<number>((sum, c) => sum + (c ?? 0), 0);
    const writes = r.postgresPerDelivery
      ? `${(r.postgresPerDelivery.walBytes / 1024).toFixed(1)} KiB / ${r.postgresPerDelivery.commits.toFixed(3)}`
      : dash;
    lines.push(
      row([
        r.name,
        ...cores.map((c) => (c === undefined ? dash : c.toFixed(2))),
        total.toFixed(2),
        writes,
      ]),
    );
  }
  return lines.join('\n');
}

export function notes(results: readonly ScenarioResult[]): string[] {
  return results.flatMap((r) =>
    r.notes.filter((note) => !note.startsWith('capped')).map((note) => `${r.name}: ${note}`),
  );
}

export function machineLine(machine: Machine, date: string, sha: string): string {
  const load = (values: number[]): string => values.map((v) => v.toFixed(2)).join(' ');
  return (
    `${date}, ${sha}; ${machine.cpus} × ${machine.model}, ` +
    `${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, Node ${machine.node}; ` +
    `load average ${load(machine.loadAverageStart)} at start, ${load(machine.loadAverageEnd)} at end`
  );
}
