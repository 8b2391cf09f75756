import { DataSource, type DataSourceOptions } from 'typeorm';
import { postgresConnection } from '@herald/config';
import { migrations } from './migrations';

/**
 * `caFile` is HERALD_DATABASE_CA_FILE. The URL's `sslmode` is read as libpq reads it and handed to
 * node-postgres as explicit TLS options (see postgresConnection).
 */
export function dataSourceOptions(
  databaseUrl: string,
  caFile: string | null = null,
): DataSourceOptions {
  const connection = postgresConnection(databaseUrl, caFile);
  return {
    type: 'postgres',
    url: connection.url,
    ...(connection.ssl !== undefined ? { ssl: connection.ssl } : {}),
    entities: [],
    migrations,
    migrationsTableName: 'herald_migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
    // Without a connect timeout, pg waits as long as the OS does for a server that does not answer
    // (minutes), and so does every query queued for a pool client. The same limit bounds the wait
    // for a free client: 5 s of either means the database cannot serve now (the API answers 503).
    extra: { max: 10, application_name: 'herald', connectionTimeoutMillis: 5_000 },
  };
}

/** Applies pending migrations under an advisory lock, so concurrent starters do not race. */
export async function runMigrations(
  databaseUrl: string,
  caFile: string | null = null,
): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(databaseUrl, caFile));
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock(727274)');
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}
