import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

type Env = Record<string, string | undefined>;

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** TLS to the brokers: PEM contents read from the files the settings name. */
export interface KafkaTls {
  /** Trusted CAs in place of the system's (null: the system's). */
  ca: string | null;
  /** Client certificate and key for mutual TLS (both or neither). */
  cert: string | null;
  key: string | null;
  /** The name the brokers' certificates must carry, when it is not the host dialled (SNI too). */
  servername: string | null;
}

export interface KafkaSasl {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

export const KAFKA_SASL_MECHANISMS: readonly KafkaSaslMechanism[] = [
  'plain',
  'scram-sha-256',
  'scram-sha-512',
];

function text(env: Env, name: string): string | null {
  const value = env[name];
  return value === undefined || value.trim() === '' ? null : value.trim();
}

function readSetting(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(variable, `cannot read ${file} (${reason})`);
  }
}

function pemFile(env: Env, variable: string, kind: 'CERTIFICATE' | 'PRIVATE KEY'): string | null {
  const file = text(env, variable);
  if (file === null) return null;
  const content = readSetting(variable, file);
  const pattern =
    kind === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (!pattern.test(content)) {
    throw new ConfigError(variable, `${file} holds no PEM ${kind.toLowerCase()}`);
  }
  return content;
}

const KAFKA_TLS_FILES = [
  'HERALD_KAFKA_TLS_CA_FILE',
  'HERALD_KAFKA_TLS_CERT_FILE',
  'HERALD_KAFKA_TLS_KEY_FILE',
] as const;

/** `HERALD_KAFKA_TLS*`: on when asked, or when any of its files is given. */
export function kafkaTls(env: Env): KafkaTls | null {
  const given = KAFKA_TLS_FILES.find((name) => text(env, name) !== null);
  const switchText = text(env, 'HERALD_KAFKA_TLS');
  let on = given !== undefined;
  if (switchText !== null) {
    if (/^(true|1|yes)$/i.test(switchText)) on = true;
    else if (/^(false|0|no)$/i.test(switchText)) {
      if (given) throw new ConfigError('HERALD_KAFKA_TLS', `is false but ${given} is set`);
      on = false;
    } else throw new ConfigError('HERALD_KAFKA_TLS', `must be true or false, got "${switchText}"`);
  }
  const servername = text(env, 'HERALD_KAFKA_TLS_SERVERNAME');
  if (!on) {
    if (servername !== null)
      throw new ConfigError('HERALD_KAFKA_TLS_SERVERNAME', 'is set but HERALD_KAFKA_TLS is not on');
    return null;
  }
  const cert = pemFile(env, 'HERALD_KAFKA_TLS_CERT_FILE', 'CERTIFICATE');
  const key = pemFile(env, 'HERALD_KAFKA_TLS_KEY_FILE', 'PRIVATE KEY');
  if ((cert === null) !== (key === null)) {
    throw new ConfigError(
      cert === null ? 'HERALD_KAFKA_TLS_CERT_FILE' : 'HERALD_KAFKA_TLS_KEY_FILE',
      'mutual TLS needs both HERALD_KAFKA_TLS_CERT_FILE and HERALD_KAFKA_TLS_KEY_FILE',
    );
  }
  return { ca: pemFile(env, 'HERALD_KAFKA_TLS_CA_FILE', 'CERTIFICATE'), cert, key, servername };
}

/** `HERALD_KAFKA_SASL_*`: a mechanism, a user and a password (inline or from a file). */
export function kafkaSasl(env: Env): KafkaSasl | null {
  const mechanismText = text(env, 'HERALD_KAFKA_SASL_MECHANISM');
  const username = text(env, 'HERALD_KAFKA_SASL_USERNAME');
  const inline = env.HERALD_KAFKA_SASL_PASSWORD ?? '';
  const passwordFile = text(env, 'HERALD_KAFKA_SASL_PASSWORD_FILE');
  if (mechanismText === null) {
    const stray = [
      ['HERALD_KAFKA_SASL_USERNAME', username],
      ['HERALD_KAFKA_SASL_PASSWORD', inline || null],
      ['HERALD_KAFKA_SASL_PASSWORD_FILE', passwordFile],
    ].find(([, value]) => value !== null);
    if (stray)
      throw new ConfigError(String(stray[0]), 'is set but HERALD_KAFKA_SASL_MECHANISM is not');
    return null;
  }
  const mechanism = mechanismText.toLowerCase() as KafkaSaslMechanism;
  if (!KAFKA_SASL_MECHANISMS.includes(mechanism)) {
    throw new ConfigError(
      'HERALD_KAFKA_SASL_MECHANISM',
      `must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}, got "${mechanismText}"`,
    );
  }
  if (username === null)
    throw new ConfigError('HERALD_KAFKA_SASL_USERNAME', `is required with ${mechanism}`);
  if (inline !== '' && passwordFile !== null) {
    throw new ConfigError(
      'HERALD_KAFKA_SASL_PASSWORD_FILE',
      'is set together with HERALD_KAFKA_SASL_PASSWORD; give one of them',
    );
  }
  // A file mounted from a Secret often ends with a newline that is no part of the password.
  const password =
    passwordFile === null
      ? inline
      : readSetting('HERALD_KAFKA_SASL_PASSWORD_FILE', passwordFile).replace(/\r?\n$/, '');
  if (password === '') {
    throw new ConfigError(
      passwordFile === null ? 'HERALD_KAFKA_SASL_PASSWORD' : 'HERALD_KAFKA_SASL_PASSWORD_FILE',
      `is required with ${mechanism} (the password, or a file holding it)`,
    );
  }
  return { mechanism, username, password };
}

export type PostgresSslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly PostgresSslMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];
/** Connection-string parameters of TLS, which node-postgres would otherwise read on its own terms. */
const SSL_PARAMETERS = ['sslmode', 'sslrootcert', 'uselibpqcompat'];

/** The node TLS options node-postgres passes on to `tls.connect`. */
export interface PostgresTls {
  ca?: string;
  rejectUnauthorized?: boolean;
  checkServerIdentity?: () => undefined;
}

/** What node-postgres is given: the URL without its TLS parameters, and TLS spelled out. */
export interface PostgresConnection {
  url: string;
  /** undefined: no sslmode in the URL, node-postgres's own default (plain TCP). */
  ssl: PostgresTls | false | undefined;
}

/**
 * Reads `sslmode` (and `sslrootcert`) of a `postgres://` URL as libpq does, so a URL copied from a
 * provider means the same here as in psql: `require` encrypts without checking the server (unless a
 * CA is given, then it checks the CA as `verify-ca` does), `verify-ca` checks the chain only,
 * `verify-full` the chain and the host name. `caFile` (HERALD_DATABASE_CA_FILE) wins over
 * `sslrootcert`. Throws a ConfigError naming the setting at fault.
 */
export function postgresConnection(databaseUrl: string, caFile: string | null): PostgresConnection {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a valid URL');
  }
  const modeText = url.searchParams.get('sslmode');
  const rootCert = url.searchParams.get('sslrootcert');
  if (url.searchParams.has('ssl')) {
    throw new ConfigError('DATABASE_URL', 'use sslmode=require or sslmode=verify-full, not ssl=');
  }
  const unsupported = ['sslcert', 'sslkey'].find((name) => url.searchParams.has(name));
  if (unsupported) {
    throw new ConfigError(
      'DATABASE_URL',
      `${unsupported} (client certificates) is not supported; authenticate with a password`,
    );
  }
  const hasSslParameters = SSL_PARAMETERS.some((name) => url.searchParams.has(name));
  for (const name of SSL_PARAMETERS) url.searchParams.delete(name);
  const plainUrl = hasSslParameters ? url.toString() : databaseUrl;
  const caVariable = caFile !== null ? 'HERALD_DATABASE_CA_FILE' : 'DATABASE_URL';
  const caPath = caFile ?? rootCert;
  const ca = caPath === null ? null : readSetting(caVariable, caPath);
  if (modeText === null) {
    if (caPath !== null)
      throw new ConfigError(
        caVariable,
        'a CA is given but DATABASE_URL has no sslmode; add sslmode=verify-full (or verify-ca)',
      );
    return { url: plainUrl, ssl: undefined };
  }
  const mode = modeText as PostgresSslMode;
  if (!SSL_MODES.includes(mode)) {
    throw new ConfigError(
      'DATABASE_URL',
      `sslmode must be one of ${SSL_MODES.join(', ')}, got "${modeText}" (Herald does not fall back to plain TCP)`,
    );
  }
  const skipHostCheck = (): undefined => undefined;
  const ssl: PostgresTls | false = (() => {
    switch (mode) {
      case 'disable':
        return false;
      case 'require':
        return ca === null
          ? { rejectUnauthorized: false }
          : { ca, checkServerIdentity: skipHostCheck };
      case 'verify-ca':
        if (ca === null) {
          throw new ConfigError(
            'HERALD_DATABASE_CA_FILE',
            'sslmode=verify-ca needs the CA that signed the server certificate',
          );
        }
        return { ca, checkServerIdentity: skipHostCheck };
      case 'verify-full':
        return ca === null ? {} : { ca };
    }
  })();
  return { url: plainUrl, ssl };
}
