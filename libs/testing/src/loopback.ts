import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on a free loopback port (a receiver in a test). */
export async function listenOnLoopback(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}

/** `http://127.0.0.1:<port>` of a listening server. */
export function loopbackUrl(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The base URL of a Nest application listening on this machine (a service started in a test). */
export function appUrl(app: INestApplication): string {
  return loopbackUrl(app.getHttpServer() as Server);
}
