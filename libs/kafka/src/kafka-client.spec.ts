import type { KafkaSasl, KafkaTls } from '@herald/config';
import { describeKafkaConnectFailure, kafkaSecurityOptions } from './kafka-client';

const noTls: KafkaTls = { ca: null, cert: null, key: null, servername: null };
const scram: KafkaSasl = { mechanism: 'scram-sha-512', username: 'herald', password: 'hunter2' };

describe('kafkaSecurityOptions', () => {
  it.each([
    ['nothing', null, null, {}],
    ['TLS with the system CAs', noTls, null, { ssl: {} }],
    [
      'TLS with a CA, a client certificate and a server name',
      { ca: 'CA', cert: 'CERT', key: 'KEY', servername: 'kafka.internal' },
      null,
      { ssl: { ca: ['CA'], cert: 'CERT', key: 'KEY', servername: 'kafka.internal' } },
    ],
    [
      'SASL over TLS',
      noTls,
      scram,
      { ssl: {}, sasl: { mechanism: 'scram-sha-512', username: 'herald', password: 'hunter2' } },
    ],
  ])('maps %s to kafkajs options', (_, tls, sasl, expected) => {
    expect(kafkaSecurityOptions(tls, sasl)).toEqual(expected);
  });
});

describe('describeKafkaConnectFailure', () => {
  const options = { brokers: ['b-1:9096'], tls: noTls, sasl: scram };

  it('names SASL, the mechanism and the user of a refused login found down the causes, never the password', () => {
    const refused = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: bad'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const wrapped = Object.assign(new Error(refused.message, { cause: refused }), {
      name: 'KafkaJSNonRetriableError',
    });
    const described = describeKafkaConnectFailure(wrapped, options);
    expect(described.message).toBe(
      'Kafka SASL authentication failed for user "herald" with SCRAM-SHA-512 at b-1:9096 over TLS ' +
        '(check HERALD_KAFKA_SASL_USERNAME, its password and HERALD_KAFKA_SASL_MECHANISM): ' +
        'SASL SCRAM SHA512 authentication failed: bad',
    );
    expect(described.message).not.toContain('hunter2');
  });

  it('points at the CA and server name settings when the certificate did not verify', () => {
    const tls = Object.assign(
      new Error('Connection error: unable to verify the first certificate'),
      {
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      },
    );
    expect(
      describeKafkaConnectFailure(new Error('retries exceeded', { cause: tls }), options).message,
    ).toBe(
      "Kafka at b-1:9096 over TLS: retries exceeded (the brokers' certificate is not trusted: " +
        'check HERALD_KAFKA_TLS_CA_FILE and HERALD_KAFKA_TLS_SERVERNAME)',
    );
  });

  it('says where it failed otherwise', () => {
    expect(
      describeKafkaConnectFailure(new Error('Connection error: connect ECONNREFUSED'), {
        brokers: ['127.0.0.1:9092'],
      }).message,
    ).toBe('Kafka at 127.0.0.1:9092: Connection error: connect ECONNREFUSED');
  });
});
