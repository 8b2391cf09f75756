import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * How the server looks while cut off: `reset` answers every new connection with a reset, as a
 * stopped server's host does; `silence` accepts it and never answers, as a hung server does.
 */
export type Outage = 'reset' | 'silence';

/**
 * A loopback TCP proxy in front of a server (PostgreSQL in a test), to take that server away from
 * a service and give it back without stopping it for everyone else: `cut()` resets every open
 * connection and treats new ones as the outage says; `restore()` passes them again.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private outage: Outage | null = null;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  /** A proxy in front of the server a URL names (`postgres://user@host:port/db`). */
  static async inFrontOf(url: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(url);
    if (!port) throw new Error(`${url} names no port`);
    return TcpProxy.start({ host: hostname, port: Number(port) });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The URL with its host and port replaced by the proxy's. */
  proxiedUrl(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Resets every open connection; until `restore()`, new ones meet the outage. */
  cut(outage: Outage = 'reset'): void {
    this.outage = outage;
    this.resetAll();
  }

  /** Passes new connections again; the ones held in silence are reset. */
  restore(): void {
    this.outage = null;
    this.resetAll();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private resetAll(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  private accept(client: Socket): void {
    if (this.outage === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (this.outage === 'silence') {
      this.sockets.add(client);
      client.on('error', () => client.destroy());
      client.on('close', () => this.sockets.delete(client));
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const pair = [client, upstream];
    for (const socket of pair) {
      this.sockets.add(socket);
      // Either side failing or closing takes the other down with it, as one connection would.
      socket.on('error', () => pair.forEach((each) => each.destroy()));
      socket.on('close', () => {
        this.sockets.delete(socket);
        pair.forEach((each) => each.destroy());
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
