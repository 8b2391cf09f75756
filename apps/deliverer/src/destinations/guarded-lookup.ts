import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { isPrivateAddress } from '@herald/domain';

export class PrivateDestinationError extends Error {
  readonly code = 'private_destination';
  constructor(host: string, address: string) {
    super(`destination ${host} resolves to ${address}, a private or reserved address`);
  }
}

/** The refusal of a private address behind a failed request (undici wraps it as the cause), or the error itself. */
export function unwrapPrivateDestination(error: unknown): unknown {
  return error instanceof Error && error.cause instanceof PrivateDestinationError
    ? error.cause
    : error;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for sockets that refuses private addresses, so the address that is checked is the
 * address that is connected to (no re-resolution in between for DNS rebinding to exploit).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses;
      const refused = allowPrivate
        ? undefined
        : list.find((entry) => isPrivateAddress(entry.address));
      if (refused) return callback(new PrivateDestinationError(hostname, refused.address), []);
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/** Literal IP hosts never reach `lookup`, so they are checked before connecting. */
export function checkLiteralHost(url: URL, allowPrivate: boolean): PrivateDestinationError | null {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (allowPrivate || isIP(host) === 0) return null;
  return isPrivateAddress(host) ? new PrivateDestinationError(host, host) : null;
}
