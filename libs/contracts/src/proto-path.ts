import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const RELATIVE = join('libs', 'contracts', 'proto');

/**
 * The folder holding Herald's .proto files, found from both the TypeScript sources and the
 * compiled dist/ tree (tsc does not copy .proto files, so both resolve to the one in libs/).
 */
export function protoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, RELATIVE))) return join(dir, RELATIVE);
    if (dirname(dir) === dir) throw new Error(`cannot find ${RELATIVE} above ${__dirname}`);
  }
}

export const ADMIN_PROTO = join('herald', 'admin', 'v1', 'admin.proto');
export const ADMIN_PACKAGE = 'herald.admin.v1';
export const ADMIN_SERVICE = 'AdminService';
