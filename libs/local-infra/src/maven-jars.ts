import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tailOf } from './log-files';
import { cacheRoot } from './paths';
import { mavenProblem } from './prerequisites';
import { startSupervised } from './supervised-process';

const MARKER = '.herald-complete';
const TEMP_PREFIX = 'libs.partial-';
/** A partial download older than this belongs to a fetch that was interrupted. */
const STALE_PARTIAL_MS = 30 * 60_000;

export interface MavenJars {
  /** Names the product in log lines and the cache directory (`<cacheName>-<version>/libs`). */
  name: string;
  cacheName: string;
  /** Must match the version pinned in `pom`; it names the cache directory. */
  version: string;
  /** A POM whose runtime dependency closure is the product's classpath. */
  pom: string;
  /** A jar whose absence means Maven resolved something else than intended. */
  requiredJar: string;
}

export function mavenJarsDir(jars: MavenJars): string {
  return join(cacheRoot(), `${jars.cacheName}-${jars.version}`, 'libs');
}

/** Written last into a complete jar directory; its mtime identifies that download. */
export function mavenJarsMarker(jars: MavenJars): string {
  return join(mavenJarsDir(jars), MARKER);
}

/** Supervised like the servers, so an interrupted `npm start` does not leave Maven running. */
async function runMaven(args: string[], logFile: string): Promise<void> {
  await rm(logFile, { force: true });
  const maven = await startSupervised({ name: 'Maven', command: 'mvn', args, logFile });
  const exit = await maven.exited;
  if (exit.code !== 0) {
    throw new Error(
      `mvn ${args.join(' ')} failed (code ${exit.code}, signal ${exit.signal}); ${logFile} ends with:\n${await tailOf(logFile)}`,
    );
  }
}

async function removeStalePartials(versionDir: string): Promise<void> {
  for (const entry of await readdir(versionDir)) {
    if (!entry.startsWith(TEMP_PREFIX)) continue;
    const path = join(versionDir, entry);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_PARTIAL_MS)
      await rm(path, { recursive: true, force: true });
  }
}

/**
 * Returns the directory holding a Java product's jars, fetching them with Maven on first use.
 * The download goes to a temporary sibling that is renamed into place with its completion
 * marker already inside, so an interrupted fetch never leaves a cache that looks usable.
 */
export async function ensureMavenJars(
  jars: MavenJars,
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const libs = mavenJarsDir(jars);
  if (existsSync(join(libs, MARKER))) return libs;

  const problem = await mavenProblem();
  if (problem) throw new Error(problem);

  const versionDir = join(libs, '..');
  await mkdir(versionDir, { recursive: true });
  await removeStalePartials(versionDir);
  const partial = await mkdtemp(join(versionDir, TEMP_PREFIX));
  const started = Date.now();
  log(`fetching ${jars.name} ${jars.version} jars with Maven into ${libs} (first run only)…`);
  try {
    await runMaven(
      [
        '-B',
        '-q',
        '-Dstyle.color=never',
        '-f',
        jars.pom,
        'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${partial}`,
      ],
      join(versionDir, 'maven-fetch.log'),
    );
    const fetched = (await readdir(partial)).filter((f) => f.endsWith('.jar')).sort();
    if (!fetched.includes(jars.requiredJar)) {
      throw new Error(`Maven finished but ${jars.requiredJar} is missing from ${partial}`);
    }
    await writeFile(join(partial, MARKER), `${fetched.join('\n')}\n`);
    // mkdtemp creates 0700; the cache may be shared with other users of this machine.
    await chmod(partial, 0o755);
    // A leftover without marker can only come from an older layout or a manual copy.
    if (existsSync(libs) && !existsSync(join(libs, MARKER)))
      await rm(libs, { recursive: true, force: true });
    try {
      await rename(partial, libs);
    } catch (err) {
      // Another process finished the same fetch first; its copy is as good as ours.
      if (!existsSync(join(libs, MARKER))) throw err;
    }
    log(`fetched ${fetched.length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return libs;
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}
