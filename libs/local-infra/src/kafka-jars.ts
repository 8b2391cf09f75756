import { ensureMavenJars, mavenJarsDir, mavenJarsMarker, type MavenJars } from './maven-jars';
import { kafkaPom } from './paths';

/** Must match deploy/local/kafka/pom.xml; it names the cache directory. */
export const KAFKA_VERSION = '3.9.1';

function kafkaJars(): MavenJars {
  return {
    name: 'Kafka',
    cacheName: 'kafka',
    version: KAFKA_VERSION,
    pom: kafkaPom(),
    requiredJar: `kafka_2.13-${KAFKA_VERSION}.jar`,
  };
}

export function kafkaJarsDir(): string {
  return mavenJarsDir(kafkaJars());
}

/** Written last into a complete jar directory; its mtime identifies that download. */
export function kafkaJarsMarker(): string {
  return mavenJarsMarker(kafkaJars());
}

/** Returns the directory holding the Kafka broker's jars, fetching them with Maven on first use. */
export function ensureKafkaJars(log: (line: string) => void = () => undefined): Promise<string> {
  return ensureMavenJars(kafkaJars(), log);
}
