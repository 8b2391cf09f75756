import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

/** PEM files of a throwaway CA and the certificates it signed (keys are unencrypted PKCS#8). */
export interface TestCertificates {
  dir: string;
  caCert: string;
  /** For the server names asked for: a broker's or a database server's certificate. */
  serverCert: string;
  serverKey: string;
  /** Key and certificate in one file, as Kafka's PEM keystore (`ssl.keystore.type=PEM`) reads them. */
  serverKeystore: string;
  /** A client certificate (CN=herald-client) for mutual TLS. */
  clientCert: string;
  clientKey: string;
}

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    execFile('openssl', args, { cwd, timeout: 30_000 }, (error, _stdout, stderr) => {
      if (!error) return done();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return fail(
          new Error(
            'openssl is needed to make test certificates but was not found; install it, e.g. ' +
              '`apt-get install openssl` (Debian/Ubuntu; openjdk-17-jre-headless brings it) or `brew install openssl`.',
          ),
        );
      }
      fail(new Error(`openssl ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
    });
  });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function signed(
  dir: string,
  name: string,
  subject: string,
  extensions: string[],
): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const request = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  await openssl(['req', '-new', ...EC_KEY, '-keyout', key, '-out', request, '-subj', subject], dir);
  await writeFile(extFile, extensions.join('\n') + '\n');
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      request,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      String(Date.now()),
      '-days',
      '7',
      '-extfile',
      extFile,
      '-out',
      cert,
    ],
    dir,
  );
  return { cert, key };
}

/**
 * Makes a CA and, signed by it, a server certificate (for localhost and 127.0.0.1 by default) and a client
 * certificate, with the openssl command line (Debian's JRE packages bring it along). For tests and
 * local experiments only: the keys are not encrypted.
 */
export async function createTestCertificates(
  directory: string,
  /** Host names and IP addresses the server certificate is for. */
  serverNames: readonly string[] = ['localhost', '127.0.0.1'],
): Promise<TestCertificates> {
  const dir = resolve(directory);
  await mkdir(dir, { recursive: true });
  await openssl(
    [
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '7',
      '-subj',
      '/CN=Herald test CA',
    ],
    dir,
  );
  const altNames = serverNames.map((name) => (isIP(name) ? `IP:${name}` : `DNS:${name}`));
  const server = await signed(dir, 'server', `/CN=${serverNames[0] ?? 'localhost'}`, [
    `subjectAltName=${altNames.join(',')}`,
    'extendedKeyUsage=serverAuth',
    'keyUsage=critical,digitalSignature,keyAgreement',
  ]);
  const client = await signed(dir, 'client', '/CN=herald-client', [
    'extendedKeyUsage=clientAuth',
    'keyUsage=critical,digitalSignature,keyAgreement',
  ]);
  const serverKeystore = join(dir, 'server-keystore.pem');
  await writeFile(
    serverKeystore,
    (await readFile(server.key, 'utf8')) + (await readFile(server.cert, 'utf8')),
    { mode: 0o600 },
  );
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: server.cert,
    serverKey: server.key,
    serverKeystore,
    clientCert: client.cert,
    clientKey: client.key,
  };
}
