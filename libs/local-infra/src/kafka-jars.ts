import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tailOf } from './log-files';
import { cacheRoot, kafkaPom } from './paths';
import { mavenProblem } from './prerequisites';
import { startSupervised } from './supervised-process';

/** Must match deploy/local/kafka/pom.xml; it names the cache directory. */
export const KAFKA_VERSION = '3.9.1';
const MARKER = '.herald-complete';
const TEMP_PREFIX = 'libs.partial-';
/** A partial download older than this belongs to a fetch that was interrupted. */
const STALE_PARTIAL_MS = 30 * 60_000;

export function kafkaJarsDir(): string {
  return join(cacheRoot(), `kafka-${KAFKA_VERSION}`, 'libs');
}

/** Written last into a complete jar directory; its mtime identifies that download. */
export function kafkaJarsMarker(): string {
  return join(kafkaJarsDir(), MARKER);
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
 * Returns the directory holding the Kafka broker's jars, fetching them with Maven on first use.
 * The download goes to a temporary sibling that is renamed into place with its completion
 * marker already inside, so an interrupted fetch never leaves a cache that looks usable.
 */
export async function ensureKafkaJars(
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const libs = kafkaJarsDir();
  if (existsSync(join(libs, MARKER))) return libs;

  const problem = await mavenProblem();
  if (problem) throw new Error(problem);

  const versionDir = join(libs, '..');
  await mkdir(versionDir, { recursive: true });
  await removeStalePartials(versionDir);
  const partial = await mkdtemp(join(versionDir, TEMP_PREFIX));
  const started = Date.now();
  log(`fetching Kafka ${KAFKA_VERSION} jars with Maven into ${libs} (first run only)…`);
  try {
    await runMaven(
      [
        '-B',
        '-q',
        '-Dstyle.color=never',
        '-f',
        kafkaPom(),
        'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${partial}`,
      ],
      join(versionDir, 'maven-fetch.log'),
    );
    const jars = (await readdir(partial)).filter((f) => f.endsWith('.jar')).sort();
    if (!jars.includes(`kafka_2.13-${KAFKA_VERSION}.jar`)) {
      throw new Error(
        `Maven finished but kafka_2.13-${KAFKA_VERSION}.jar is missing from ${partial}`,
      );
    }
    await writeFile(join(partial, MARKER), `${jars.join('\n')}\n`);
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
    log(`fetched ${jars.length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return libs;
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}
