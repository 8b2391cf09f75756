export default async function globalTeardown(): Promise<void> {
  const infra = globalThis.__HERALD_INFRA__;
  await Promise.all([infra?.kafka?.stop(), infra?.postgres?.stop(), infra?.sqs?.stop()]);
}
