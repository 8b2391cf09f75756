import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { postgresConnection } from './connection-security';
import { loadConfig } from './herald-config';

const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const ca = join(dir, 'ca.pem');
const cert = join(dir, 'client.pem');
const key = join(dir, 'client.key');
const passwordFile = join(dir, 'password');
writeFileSync(ca, CERT);
writeFileSync(cert, CERT);
writeFileSync(key, KEY);
writeFileSync(passwordFile, 's3cret-from-file\n');

const base = {
  DATABASE_URL: 'postgres://u:p@db.example.com:5432/herald',
  HERALD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe('Kafka TLS and SASL settings', () => {
  it('are off by default', () => {
    expect(loadConfig(base)).toMatchObject({ kafka: { tls: null, sasl: null } });
  });

  it('turn TLS on with the switch alone (system CAs), or with any of its files', () => {
    expect(loadConfig({ ...base, HERALD_KAFKA_TLS: 'true' }).kafka.tls).toEqual({
      ca: null,
      cert: null,
      key: null,
      servername: null,
    });
    expect(
      loadConfig({
        ...base,
        HERALD_KAFKA_TLS_CA_FILE: ca,
        HERALD_KAFKA_TLS_CERT_FILE: cert,
        HERALD_KAFKA_TLS_KEY_FILE: key,
        HERALD_KAFKA_TLS_SERVERNAME: 'kafka.internal',
      }).kafka.tls,
    ).toEqual({ ca: CERT, cert: CERT, key: KEY, servername: 'kafka.internal' });
  });

  it.each([
    ['plain', 'plain'],
    ['SCRAM-SHA-256', 'scram-sha-256'],
    ['scram-sha-512', 'scram-sha-512'],
  ])('reads the SASL mechanism %s', (given, mechanism) => {
    expect(
      loadConfig({
        ...base,
        HERALD_KAFKA_SASL_MECHANISM: given,
        HERALD_KAFKA_SASL_USERNAME: 'herald',
        HERALD_KAFKA_SASL_PASSWORD: ' with spaces ',
      }).kafka.sasl,
    ).toEqual({ mechanism, username: 'herald', password: ' with spaces ' });
  });

  it('reads the SASL password from a file, without its last newline', () => {
    expect(
      loadConfig({
        ...base,
        HERALD_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        HERALD_KAFKA_SASL_USERNAME: 'herald',
        HERALD_KAFKA_SASL_PASSWORD_FILE: passwordFile,
      }).kafka.sasl?.password,
    ).toBe('s3cret-from-file');
  });

  const sasl = { HERALD_KAFKA_SASL_MECHANISM: 'plain', HERALD_KAFKA_SASL_USERNAME: 'herald' };
  it.each([
    ['HERALD_KAFKA_TLS', { HERALD_KAFKA_TLS: 'maybe' }],
    ['HERALD_KAFKA_TLS', { HERALD_KAFKA_TLS: 'false', HERALD_KAFKA_TLS_CA_FILE: ca }],
    ['HERALD_KAFKA_TLS_CA_FILE', { HERALD_KAFKA_TLS_CA_FILE: join(dir, 'missing.pem') }],
    ['HERALD_KAFKA_TLS_CA_FILE', { HERALD_KAFKA_TLS_CA_FILE: passwordFile }],
    ['HERALD_KAFKA_TLS_KEY_FILE', { HERALD_KAFKA_TLS_CERT_FILE: cert }],
    ['HERALD_KAFKA_TLS_CERT_FILE', { HERALD_KAFKA_TLS_KEY_FILE: key }],
    [
      'HERALD_KAFKA_TLS_KEY_FILE',
      { HERALD_KAFKA_TLS_CERT_FILE: cert, HERALD_KAFKA_TLS_KEY_FILE: ca },
    ],
    ['HERALD_KAFKA_TLS_SERVERNAME', { HERALD_KAFKA_TLS_SERVERNAME: 'kafka.internal' }],
    ['HERALD_KAFKA_SASL_MECHANISM', { ...sasl, HERALD_KAFKA_SASL_MECHANISM: 'gssapi' }],
    ['HERALD_KAFKA_SASL_USERNAME', { HERALD_KAFKA_SASL_USERNAME: 'herald' }],
    ['HERALD_KAFKA_SASL_PASSWORD', { HERALD_KAFKA_SASL_PASSWORD: 'x' }],
    ['HERALD_KAFKA_SASL_USERNAME', { HERALD_KAFKA_SASL_MECHANISM: 'plain' }],
    ['HERALD_KAFKA_SASL_PASSWORD', sasl],
    [
      'HERALD_KAFKA_SASL_PASSWORD_FILE',
      { ...sasl, HERALD_KAFKA_SASL_PASSWORD: 'x', HERALD_KAFKA_SASL_PASSWORD_FILE: passwordFile },
    ],
    ['HERALD_KAFKA_SASL_PASSWORD_FILE', { ...sasl, HERALD_KAFKA_SASL_PASSWORD_FILE: dir + '/no' }],
  ])('stops on a bad %s and names it', (variable, overrides) => {
    const attempt = () => loadConfig({ ...base, ...overrides });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${variable}: `));
  });

  it.each([
    { ...sasl, HERALD_KAFKA_SASL_MECHANISM: 'gssapi', HERALD_KAFKA_SASL_PASSWORD: 'hunter2' },
    { HERALD_KAFKA_SASL_PASSWORD: 'hunter2' },
    {
      ...sasl,
      HERALD_KAFKA_SASL_PASSWORD: 'hunter2',
      HERALD_KAFKA_SASL_PASSWORD_FILE: passwordFile,
    },
  ])('never puts the password in its messages (%#)', (overrides) => {
    const message = (() => {
      try {
        loadConfig({ ...base, ...overrides });
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/^HERALD_KAFKA_SASL_/);
    expect(message).not.toContain('hunter2');
  });
});

describe('PostgreSQL sslmode, as libpq reads it', () => {
  const url = 'postgres://u:p@db.example.com:5432/herald';

  it('leaves a URL without TLS parameters as it is', () => {
    expect(postgresConnection(`${url}?application_name=x`, null)).toEqual({
      url: `${url}?application_name=x`,
      ssl: undefined,
    });
  });

  it.each([
    ['disable', null, false],
    ['require', null, { rejectUnauthorized: false }],
    ['verify-full', null, {}],
    ['verify-full', ca, { ca: CERT }],
  ])(
    'maps sslmode=%s (CA %s) to %j, and takes the TLS parameters off the URL',
    (mode, caFile, ssl) => {
      expect(postgresConnection(`${url}?sslmode=${mode}&uselibpqcompat=true`, caFile)).toEqual({
        url,
        ssl,
      });
    },
  );

  it('checks the chain but not the host name with verify-ca, and with require when a CA is given', () => {
    for (const mode of ['verify-ca', 'require']) {
      const { ssl } = postgresConnection(`${url}?sslmode=${mode}`, ca);
      expect(ssl).toMatchObject({ ca: CERT });
      expect(ssl && ssl.rejectUnauthorized).toBeUndefined();
      expect(ssl && ssl.checkServerIdentity?.()).toBeUndefined();
    }
  });

  it('takes the CA from sslrootcert, HERALD_DATABASE_CA_FILE winning', () => {
    const withRoot = `${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`;
    expect(postgresConnection(withRoot, null)).toEqual({ url, ssl: { ca: CERT } });
    expect(() => postgresConnection(withRoot, join(dir, 'missing.pem'))).toThrow(
      /^HERALD_DATABASE_CA_FILE: cannot read/,
    );
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: `${url}?sslmode=prefer` }],
    ['DATABASE_URL', { DATABASE_URL: `${url}?ssl=true` }],
    ['DATABASE_URL', { DATABASE_URL: `${url}?sslmode=require&sslcert=/c.pem` }],
    ['DATABASE_URL', { DATABASE_URL: `${url}?sslmode=verify-full&sslrootcert=/nowhere.pem` }],
    ['HERALD_DATABASE_CA_FILE', { DATABASE_URL: `${url}?sslmode=verify-ca` }],
    ['HERALD_DATABASE_CA_FILE', { HERALD_DATABASE_CA_FILE: ca }],
    [
      'HERALD_DATABASE_CA_FILE',
      { DATABASE_URL: `${url}?sslmode=verify-full`, HERALD_DATABASE_CA_FILE: dir + '/no.pem' },
    ],
  ])('stops on a bad %s at start-up and names it', (variable, overrides) => {
    const attempt = () => loadConfig({ ...base, ...overrides });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${variable}: `));
  });

  it('keeps the CA file in the config for the data source', () => {
    expect(
      loadConfig({
        ...base,
        DATABASE_URL: `${url}?sslmode=verify-full`,
        HERALD_DATABASE_CA_FILE: ca,
      }).database.caFile,
    ).toBe(ca);
  });
});
