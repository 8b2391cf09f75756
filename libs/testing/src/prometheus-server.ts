import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { closedPort } from './closed-port';
import { waitFor } from './wait-for';

export interface ScrapeJob {
  /** The `job` label of every series scraped from these targets. */
  job: string;
  /** `host:port` of each target, scraped at `metricsPath`. */
  targets: string[];
  /** Extra target labels; a label the metrics carry themselves wins over these (Prometheus renames ours). */
  labels?: Record<string, string>;
  metricsPath?: string;
}

export interface PrometheusServerOptions {
  jobs: ScrapeJob[];
  /** Scrape (and rule evaluation) interval in seconds; 1 by default, so rate() windows fill fast. */
  scrapeIntervalSeconds?: number;
  /** The binary; by default whatever scripts/ensure-prometheus.sh finds or installs. */
  binary?: string;
}

/** What an instant query answers, as the HTTP API returns it. */
export type PromQueryResult =
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: [number, string] }[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] }
  | {
      resultType: 'matrix';
      result: { metric: Record<string, string>; values: [number, string][] }[];
    };

/** One number of an instant query's answer, with its labels (none for a scalar). */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface PromTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

type ApiAnswer<T> =
  | { status: 'success'; data: T; warnings?: string[] }
  | { status: 'error'; errorType: string; error: string };

const ENSURE_SCRIPT = resolve(__dirname, '../../../scripts/ensure-prometheus.sh');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/**
 * Runs Prometheus ("$0" "$@") and stops it when this shell's stdin closes: on stop(), and also when
 * the test process dies without a teardown (jest's forceExit, a crash), which closes the pipe. Once
 * Prometheus has exited it removes the server's directory and exits with Prometheus's status.
 */
const SUPERVISOR = [
  'exec 3<&0',
  '"$0" "$@" </dev/null 3<&- &',
  'server=$!',
  '(cat <&3 >/dev/null; kill "$server" 2>/dev/null) &',
  'exec 3<&-',
  'wait "$server"',
  'status=$?',
  'rm -rf "$PROMETHEUS_DIR"',
  'exit "$status"',
].join('\n');

/** The path of a Prometheus binary, installed first if the machine has none. */
export async function ensurePrometheus(): Promise<string> {
  const { stdout } = await promisify(execFile)(ENSURE_SCRIPT, { timeout: 300_000 });
  const binary = stdout.trim().split('\n').pop();
  if (!binary) throw new Error(`${ENSURE_SCRIPT} printed no path`);
  return binary;
}

/**
 * A real Prometheus server on a free loopback port with its own temporary config and TSDB,
 * scraping the given targets, for tests that check what a dashboard or alert would see.
 */
export class PrometheusServer {
  private exited = false;
  private output = '';

  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.record(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.record(chunk));
    child.once('exit', () => (this.exited = true));
  }

  static async start(options: PrometheusServerOptions): Promise<PrometheusServer> {
    const binary = options.binary ?? (await ensurePrometheus());
    const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
    const dir = await mkdtemp(join(tmpdir(), 'herald-prometheus-'));
    // JSON is YAML, so the config needs no YAML writer.
    const config = {
      global: {
        scrape_interval: interval,
        evaluation_interval: interval,
        scrape_timeout: interval,
      },
      scrape_configs: options.jobs.map((job) => ({
        job_name: job.job,
        metrics_path: job.metricsPath ?? '/metrics',
        static_configs: [{ targets: job.targets, labels: job.labels ?? {} }],
      })),
    };
    const configFile = join(dir, 'prometheus.yml');
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const port = await closedPort();
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        SUPERVISOR,
        binary,
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      // Its own process group, so a stop that times out can kill the supervisor and server together.
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
        env: { ...process.env, PROMETHEUS_DIR: dir },
      },
    );
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir);
    const state = await waitFor(
      `Prometheus to be ready at ${server.url}`,
      async () => {
        if (server.exited) return 'exited';
        const ready = await fetch(`${server.url}/-/ready`);
        return ready.ok && 'ready';
      },
      START_TIMEOUT_MS,
      100,
    ).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    if (state !== 'ready') {
      await server.stop();
      throw new Error(`Prometheus did not start (${state}):\n${server.output}`);
    }
    return server;
  }

  /** An instant query at the current time; throws with Prometheus's message if it is refused. */
  async query(expr: string): Promise<PromQueryResult> {
    return this.get<PromQueryResult>('/api/v1/query', { query: expr });
  }

  /** An instant query's vector or scalar as numbers (NaN and ±Inf included, as Prometheus gives them). */
  async samples(expr: string): Promise<PromSample[]> {
    const answer = await this.query(expr);
    switch (answer.resultType) {
      case 'vector':
        return answer.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
      case 'scalar':
        return [{ metric: {}, value: Number(answer.result[1]) }];
      case 'string':
      case 'matrix':
        throw new Error(`${expr} is a ${answer.resultType}, not a number per series`);
    }
  }

  /** The series matching a selector (what Grafana's label_values() reads). */
  async series(match: string): Promise<Record<string, string>[]> {
    return this.get<Record<string, string>[]>('/api/v1/series', { 'match[]': match });
  }

  async targets(): Promise<PromTarget[]> {
    const data = await this.get<{ activeTargets: PromTarget[] }>('/api/v1/targets', {
      state: 'active',
    });
    return data.activeTargets;
  }

  /** Waits until every configured target has been scraped successfully. */
  async waitForTargetsUp(timeoutMs = 20_000): Promise<PromTarget[]> {
    let last: PromTarget[] = [];
    try {
      return await waitFor(
        'every Prometheus target to be up',
        async () => {
          last = await this.targets();
          return last.length > 0 && last.every((target) => target.health === 'up') && last;
        },
        timeoutMs,
        200,
      );
    } catch (error) {
      const states = last
        .map((target) => `${target.scrapeUrl}: ${target.health} ${target.lastError}`)
        .join('\n');
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${states}`);
    }
  }

  /** Stops the server (its data flushed and closed) and removes its directory. */
  async stop(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
      // The supervisor stops Prometheus when its stdin closes, and exits once Prometheus has.
      this.child.stdin?.end();
      const timer = setTimeout(() => this.killGroup(), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    this.child.stdin?.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async get<T>(path: string, params: Record<string, string>): Promise<T> {
    const response = await fetch(`${this.url}${path}?${new URLSearchParams(params).toString()}`);
    const answer = (await response.json()) as ApiAnswer<T>;
    if (answer.status === 'error') {
      throw new Error(`Prometheus ${path} refused (${answer.errorType}): ${answer.error}`);
    }
    return answer.data;
  }

  private killGroup(): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  private record(chunk: Buffer): void {
    // The tail is enough to say why it would not start.
    this.output = (this.output + chunk.toString('utf8')).slice(-8192);
  }
}
