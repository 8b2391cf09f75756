import { runMigrations } from '@herald/persistence';
import { JsonLogger } from '@herald/observability';

/**
 * The one-shot migration step of a deployment (the Helm chart's pre-install/pre-upgrade Job, the
 * compose `migrate` service): applies pending migrations and exits 0, or 1 with a message. Several
 * copies running at once are safe: runMigrations holds a PostgreSQL advisory lock.
 */
async function main(): Promise<number> {
  const log = new JsonLogger('migrate');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    log.event('error', 'DATABASE_URL is required and must be a postgres:// URL');
    return 1;
  }
  const started = Date.now();
  try {
    const applied = await runMigrations(databaseUrl, process.env.HERALD_DATABASE_CA_FILE || null);
    for (const name of applied) log.event('info', 'migration applied', { migration: name });
    log.event('info', applied.length ? 'migrations applied' : 'database already up to date', {
      applied: applied.length,
      durationMs: Date.now() - started,
    });
    return 0;
  } catch (error) {
    log.event('error', 'migrations failed', {
      error: error instanceof Error ? error.message : String(error),
      durationMs: Date.now() - started,
    });
    return 1;
  }
}

void main().then((code) => process.exit(code));
