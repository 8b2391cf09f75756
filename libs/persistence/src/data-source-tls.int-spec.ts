import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  createTestCertificates,
  startLocalPostgres,
  type LocalPostgres,
  type TestCertificates,
} from '@herald/local-infra';
import { dataSourceOptions, runMigrations } from './data-source';

/** The data source against a PostgreSQL that serves TLS with a certificate from a CA made here. */
describe('PostgreSQL over TLS', () => {
  const root = mkdtempSync(join(tmpdir(), 'herald-postgres-tls-'));
  let certificates: TestCertificates;
  let otherCa: TestCertificates;
  let postgres: LocalPostgres;

  beforeAll(async () => {
    [certificates, otherCa] = await Promise.all([
      // For the name only: connecting by IP address is the host-name mismatch of the last test.
      createTestCertificates(join(root, 'certificates'), ['localhost']),
      createTestCertificates(join(root, 'other-ca')),
    ]);
    postgres = await startLocalPostgres({
      dataDir: join(root, 'postgres'),
      fresh: true,
      tls: { certFile: certificates.serverCert, keyFile: certificates.serverKey },
    });
  }, 60_000);

  afterAll(async () => {
    await postgres?.stop();
    await rm(root, { recursive: true, force: true });
  });

  /** Whether the data source's connection is encrypted, as the server sees it. */
  async function connectionIsTls(url: string, caFile: string | null): Promise<boolean> {
    const db = await new DataSource(dataSourceOptions(url, caFile)).initialize();
    try {
      const [row] = await db.query<{ ssl: boolean }[]>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      return row.ssl;
    } finally {
      await db.destroy();
    }
  }

  const byName = (): string => postgres.url.replace('127.0.0.1', 'localhost');

  it('migrates and queries with sslmode=verify-full and the CA', async () => {
    const url = `${byName()}?sslmode=verify-full`;
    expect((await runMigrations(url, certificates.caCert)).length).toBeGreaterThan(0);
    expect(await connectionIsTls(url, certificates.caCert)).toBe(true);
    // The CA may come as libpq's sslrootcert in the URL instead.
    expect(
      await connectionIsTls(`${url}&sslrootcert=${encodeURIComponent(certificates.caCert)}`, null),
    ).toBe(true);
  });

  it('refuses a server whose certificate another CA signed', async () => {
    await expect(
      connectionIsTls(`${byName()}?sslmode=verify-full`, otherCa.caCert),
    ).rejects.toThrow(/certificate/i);
    await expect(connectionIsTls(`${byName()}?sslmode=verify-ca`, otherCa.caCert)).rejects.toThrow(
      /certificate/i,
    );
  });

  it('checks the host name with verify-full only, and only encrypts with require', async () => {
    // The certificate names localhost only; 127.0.0.1 is the same server under another name.
    const byAddress = postgres.url;
    await expect(
      connectionIsTls(`${byAddress}?sslmode=verify-full`, certificates.caCert),
    ).rejects.toThrow(/IP: 127\.0\.0\.1 is not in the cert's list/);
    expect(await connectionIsTls(`${byAddress}?sslmode=verify-ca`, certificates.caCert)).toBe(true);
    expect(await connectionIsTls(`${postgres.url}?sslmode=require`, null)).toBe(true);
    expect(await connectionIsTls(`${postgres.url}?sslmode=disable`, null)).toBe(false);
  });
});
