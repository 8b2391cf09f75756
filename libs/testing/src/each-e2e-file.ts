import { skipLeftovers } from './leftovers';

// Runs before each e2e test file (jest `setupFilesAfterEnv`), ahead of the file's own hooks: the
// Heralds the file starts begin where the last file's messages end (see `skipLeftovers`).
beforeAll(async () => {
  const brokers = process.env.KAFKA_BROKERS;
  if (brokers) await skipLeftovers(brokers.split(','));
}, 60_000);
