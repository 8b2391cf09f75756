import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { serviceEnvironment } from '@herald/local-infra';
import { closedPort, waitFor } from '@herald/testing';

const root = join(__dirname, '..', '..');

export type ServiceRole = 'subscription-api' | 'event-ingest' | 'deliverer';

/** A Herald service compiled and run as its own OS process, as `npm start` and the images run it. */
export interface ServiceProcess {
  role: ServiceRole;
  process: ChildProcess;
  /** Its HTTP port (health, metrics, and the REST API for subscription-api). */
  port: number;
  /** When it first answered `/health/live` (epoch ms): up, if not yet ready. */
  liveAt: number | null;
  /** The end of what it printed, for the message of a failed wait. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Compiles `dist/` (the services' child processes run it); returns how long it took in ms. */
export function buildDist(): number {
  const started = Date.now();
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: root, stdio: 'inherit' },
  );
  return Date.now() - started;
}

/**
 * Starts one service from `dist/` on a free port and waits until it is ready (`/health/ready`).
 * `env` comes on top of this process's environment, less its `OTEL_*` variables.
 */
export async function startServiceProcess(
  role: ServiceRole,
  env: Record<string, string | undefined>,
  readyWithinMs = 90_000,
): Promise<ServiceProcess> {
  const port = await closedPort();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')),
  );
  let output = '';
  const child = spawn(
    process.execPath,
    ['-r', './scripts/register-aliases.js', `dist/apps/${role}/src/main.js`],
    {
      cwd: root,
      env: {
        ...inherited,
        HERALD_GRPC_PORT: '0',
        HERALD_LOG_LEVEL: 'warn',
        ...env,
        ...serviceEnvironment({ ...inherited, ...env }, role),
        HERALD_HTTP_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const started: ServiceProcess = {
    role,
    process: child,
    port,
    liveAt: null,
    output: () => output,
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    ),
  };
  try {
    await waitFor(
      `${role} (a child process) to answer /health/ready on ${port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${role} exited:\n${output}`);
        if (started.liveAt === null && (await fetch(`http://127.0.0.1:${port}/health/live`)).ok)
          started.liveAt = Date.now();
        return (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok;
      },
      readyWithinMs,
      100,
    );
  } catch (error) {
    await stopServiceProcess(started, 'SIGKILL');
    throw error;
  }
  return started;
}

/** Stops a service process (SIGTERM lets it shut down gracefully; SIGKILL after 20 s regardless). */
export async function stopServiceProcess(
  service: ServiceProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (service.process.exitCode !== null || service.process.signalCode !== null) return;
  service.process.kill(signal);
  const timer = setTimeout(() => service.process.kill('SIGKILL'), 20_000);
  await service.exited;
  clearTimeout(timer);
}
