import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { ReceiverClient } from './e2e/receiver';
import { cpuTable, machineLine, notes, resultsTable, type Machine } from './e2e/report';
import {
  runScenario,
  SCENARIOS,
  SIZES,
  type ScenarioContext,
  type ScenarioName,
  type ScenarioResult,
} from './e2e/scenarios';
import { HeraldStack } from './e2e/stack';

/**
 * Herald end to end (`npm run bench`, or `node -r ./scripts/register-aliases.js
 * dist/bench/e2e.bench.js [--quick] [--only single,fanout]` after `npm run build`): the whole system
 * as `npm start` runs it, a receiver and a load generator each in a process of its own, six
 * scenarios with time caps. Prints one markdown table and writes everything as JSON to
 * bench/results/<date>-<sha>.json.
 *
 * KAFKA_BROKERS / DATABASE_URL: use these instead of starting a broker and PostgreSQL (no other
 * Herald may consume from them: the bench deletes what is left on Herald's topics between
 * scenarios). HERALD_BENCH_CPU_PROF=<dir>: run the services under `node --cpu-prof`, one profile per
 * scenario and service. HERALD_BENCH_DATA_DIR: where the broker, PostgreSQL and the service logs
 * live (a temporary directory by default, removed at the end unless HERALD_BENCH_KEEP_DATA=1 or the
 * run failed).
 */

const ROOT = resolve(__dirname, '..', '..');
const started = Date.now();

function log(line: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${seconds} s] ${line}\n`);
}

interface Args {
  quick: boolean;
  only: ScenarioName[] | null;
  /** The steady scenario's events per second, when not its size's. */
  steadyRate: number | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: null, steadyRate: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const names = (value ?? '').split(',').filter(Boolean);
      const unknown = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
      if (names.length === 0 || unknown.length > 0) {
        throw new Error(`--only takes scenario names from ${SCENARIOS.join(', ')}`);
      }
      args.only = [...(args.only ?? []), ...(names as ScenarioName[])];
    } else if (arg === '--steady-rate' || arg.startsWith('--steady-rate=')) {
      const value = arg === '--steady-rate' ? argv[++i] : arg.slice('--steady-rate='.length);
      const rate = Number(value);
      if (!Number.isInteger(rate) || rate < 1 || rate > 100_000) {
        throw new Error('--steady-rate takes events per second, 1 to 100000');
      }
      args.steadyRate = rate;
    } else {
      throw new Error(
        `unknown argument ${arg} (use --quick, --only <scenario,…>, --steady-rate <events/s>)`,
      );
    }
  }
  return args;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    return null;
  }
}

function resultFile(date: string, sha: string, args: Args): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const suffix = [
    args.quick ? '-quick' : '',
    args.only ? `-only-${args.only.join('-')}` : '',
    args.steadyRate === null ? '' : `-steady-${args.steadyRate}`,
  ];
  const base = `${date}-${sha}${suffix.join('')}`;
  let file = join(dir, `${base}.json`);
  for (let n = 2; existsSync(file); n++) file = join(dir, `${base}-${n}.json`);
  return file;
}

/** The repository's prettier style, so a result file can be committed as written (`npm run lint`). */
async function asPrettierWrites(json: string, file: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(json, { ...options, parser: 'json' });
  } catch {
    return `${json}\n`; // prettier is a devDependency; the file is valid JSON all the same
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const selected = SCENARIOS.filter((name) => !args.only || args.only.includes(name));
  const base = SIZES[args.quick ? 'quick' : 'full'];
  const sizes =
    args.steadyRate === null
      ? base
      : { ...base, steady: { ...base.steady, ratePerSecond: args.steadyRate } };
  const loadAverageStart = loadavg();
  const dataDir = resolve(
    process.env.HERALD_BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'herald-bench-')),
  );
  const cpuProfileDir = process.env.HERALD_BENCH_CPU_PROF
    ? resolve(process.env.HERALD_BENCH_CPU_PROF)
    : null;
  if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
  let keepData = process.env.HERALD_BENCH_KEEP_DATA === '1';

  log(`data in ${dataDir}; scenarios: ${selected.join(', ')}${args.quick ? ' (quick)' : ''}`);
  const receiver = await ReceiverClient.start();
  let stack: HeraldStack | undefined;
  const stopAll = async (): Promise<void> => {
    receiver.stop();
    await stack?.stop(keepData);
  };
  process.once('SIGINT', () => {
    keepData = true;
    log(`interrupted; stopping (data kept in ${dataDir})`);
    void stopAll().finally(() => process.exit(130));
  });

  const results: ScenarioResult[] = [];
  const failures: { scenario: string; error: string }[] = [];
  try {
    log('starting Kafka and PostgreSQL…');
    stack = await HeraldStack.start({ dataDir, cpuProfileDir, log });
    const ctx: ScenarioContext = { stack, receiver, sizes, ceilingPerSecond: null, log };
    for (const name of selected) {
      try {
        const done = await runScenario(ctx, name);
        results.push(...done);
        if (name === 'ceiling') ctx.ceilingPerSecond = done[0].deliveriesPerSecond;
        for (const r of done) {
          log(
            `${r.name}: ${r.delivered} delivered, ${r.deliveriesPerSecond.toFixed(1)}/s` +
              (r.capped ? `, capped at ${r.capSeconds} s` : ''),
          );
          if (r.latencyTimeline.length > 0) {
            const windows = r.latencyTimeline.map(
              (w) => `${w.fromSeconds}s: ${w.received} p50 ${w.p50} p99 ${w.p99}`,
            );
            log(`${r.name}: accepted→2xx ms by 5 s window: ${windows.join('; ')}`);
          }
        }
      } catch (error) {
        keepData = true;
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        failures.push({ scenario: name, error: message });
        log(`${name} failed: ${message}`);
      }
    }
  } finally {
    log('stopping…');
    await stopAll();
    if (keepData) log(`data and service logs kept in ${dataDir}`);
  }

  const date = new Date().toISOString();
  const sha = git(['rev-parse', '--short', 'HEAD']) ?? 'nogit';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  const machine: Machine = {
    cpus: cpus().length,
    model: cpus()[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: totalmem(),
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverageStart,
    loadAverageEnd: loadavg(),
  };
  const table = resultsTable(results);
  const cpu = cpuTable(results);
  const file = resultFile(date.slice(0, 10), sha, args);
  const json = JSON.stringify(
    {
      benchmark: 'herald end-to-end',
      date,
      git: { sha, dirty: dirty === null ? null : dirty.length > 0 },
      mode: args.quick ? 'quick' : 'full',
      scenariosRun: selected,
      machine,
      infrastructure: {
        kafka: process.env.KAFKA_BROKERS ? 'external' : 'local (as npm start)',
        postgres: process.env.DATABASE_URL ? 'external' : 'local (as npm start, durable)',
      },
      cpuProfiles: cpuProfileDir,
      wallSeconds: (Date.now() - started) / 1000,
      table,
      cpuTable: cpu,
      scenarios: results,
      failures,
    },
    null,
    2,
  );
  writeFileSync(file, await asPrettierWrites(json, file));

  const out = [
    '',
    machineLine(machine, date.slice(0, 10), sha),
    '',
    table,
    '',
    'CPU, average cores over each scenario:',
    '',
    cpu,
    '',
    ...notes(results).map((note) => `- ${note}`),
    ...failures.map((failure) => `- ${failure.scenario} FAILED: ${failure.error.split('\n')[0]}`),
    '',
    `wall time ${((Date.now() - started) / 1000).toFixed(0)} s; written to ${file}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

main().then(
  // The kafkajs clients and child processes are stopped; nothing left should keep the bench up.
  () => process.exit(),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
