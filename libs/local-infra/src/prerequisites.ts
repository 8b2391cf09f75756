import { execFile } from 'node:child_process';
import { join } from 'node:path';

const MIN_JAVA = 17;

export function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home && home.length > 0 ? join(home, 'bin', 'java') : 'java';
}

interface CommandOutput {
  ok: boolean;
  missing: boolean;
  output: string;
}

function run(command: string, args: string[]): Promise<CommandOutput> {
  return new Promise((resolveRun) => {
    execFile(command, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (!err) return resolveRun({ ok: true, missing: false, output });
      resolveRun({ ok: false, missing: (err as NodeJS.ErrnoException).code === 'ENOENT', output });
    });
  });
}

/** `java -version` prints e.g. `openjdk version "17.0.15"` or, for Java 8, `"1.8.0_392"`. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

export interface JavaCheck {
  /** Why Java cannot run Kafka, with how to fix it; undefined when it can. */
  problem?: string;
  /** Full `java -version` output, identifying the exact JVM build. */
  versionText: string;
}

let javaCheck: Promise<JavaCheck> | undefined;

/** Memoised: the JVM does not change while we run, and each `java -version` costs a JVM start. */
export function checkJava(): Promise<JavaCheck> {
  javaCheck ??= (async () => {
    const java = javaCommand();
    const result = await run(java, ['-version']);
    const fix =
      'Install a Java 17+ runtime, e.g. `apt-get install openjdk-17-jre-headless` (Debian/Ubuntu) or ' +
      '`brew install openjdk@17` (macOS), and put `java` on PATH or set JAVA_HOME.';
    const versionText = result.output.trim();
    if (result.missing) {
      return {
        versionText,
        problem: `Java ${MIN_JAVA}+ is required to run the local Kafka broker, but \`${java}\` was not found. ${fix}`,
      };
    }
    if (!result.ok)
      return { versionText, problem: `\`${java} -version\` failed: ${versionText}. ${fix}` };
    const major = parseJavaMajor(result.output);
    if (major === undefined || major < MIN_JAVA) {
      const found = versionText.split('\n')[0] ?? versionText;
      return {
        versionText,
        problem: `Java ${MIN_JAVA}+ is required to run the local Kafka broker, found: ${found}. ${fix}`,
      };
    }
    return { versionText };
  })();
  return javaCheck;
}

export async function javaProblem(): Promise<string | undefined> {
  return (await checkJava()).problem;
}

export async function mavenProblem(): Promise<string | undefined> {
  const result = await run('mvn', ['-v']);
  const fix =
    'Install Maven 3.6+, e.g. `apt-get install maven` (Debian/Ubuntu) or `brew install maven` (macOS).';
  if (result.missing)
    return `Maven (\`mvn\`) is required to fetch the Kafka jars once, but it was not found. ${fix}`;
  if (!result.ok) return `\`mvn -v\` failed: ${result.output.trim()}. ${fix}`;
  return undefined;
}

/** Throws one error naming every missing tool and how to install it. */
export async function checkPrerequisites(): Promise<void> {
  const problems = (await Promise.all([javaProblem(), mavenProblem()])).filter(
    (p): p is string => p !== undefined,
  );
  if (problems.length > 0) {
    throw new Error(
      `Local infrastructure prerequisites missing:\n- ${problems.join('\n- ')}\n` +
        'On Debian/Ubuntu everything at once: `apt-get install openjdk-17-jre-headless maven`.',
    );
  }
}
