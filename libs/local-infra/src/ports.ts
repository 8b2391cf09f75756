import { createConnection, createServer } from 'node:net';

const LOOPBACK = '127.0.0.1';

/** A port that was free on 127.0.0.1 a moment ago (the usual small race applies). */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Distinct free ports, so two servers picked at once never get the same one. */
export async function findFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolveFree(false);
      else reject(err);
    });
    server.listen(port, LOOPBACK, () => server.close(() => resolveFree(true)));
  });
}

/** Resolves the requested port, or a fresh one for 0/undefined; fails clearly when it is taken. */
export async function resolvePort(requested: number | undefined, what: string): Promise<number> {
  if (requested === undefined || requested === 0) return findFreePort();
  if (!Number.isInteger(requested) || requested < 1 || requested > 65535) {
    throw new Error(`${what}: invalid port ${requested}`);
  }
  if (!(await isPortFree(requested))) {
    throw new Error(
      `${what}: port ${requested} on ${LOOPBACK} is already in use (another instance still running?). ` +
        `Stop whatever listens there (\`ss -ltnp 'sport = :${requested}'\` shows it) or choose another port.`,
    );
  }
  return requested;
}

export function canConnect(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = createConnection({ host: LOOPBACK, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolveConnect(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
