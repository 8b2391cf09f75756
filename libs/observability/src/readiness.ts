import { Injectable, type OnModuleDestroy } from '@nestjs/common';

/** Resolves when the dependency answers; rejects with a reason when it does not. */
export type ReadinessCheck = () => Promise<void>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
}

const CHECK_TIMEOUT_MS = 2_000;

/**
 * Liveness and readiness. What a service needs before it takes traffic: each module that owns a dependency (PostgreSQL,
 * Kafka, a consumer group) registers a check. Readiness turns false as soon as shutdown begins, so a
 * load balancer stops sending requests while in-flight work finishes.
 */
@Injectable()
export class Readiness implements OnModuleDestroy {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly dependencies = new Set<string>();
  private readonly liveness = new Map<string, () => string | null>();
  private draining = false;

  /**
   * A check of readiness. A `dependency` (PostgreSQL, Kafka — the default) is also what
   * `dependenciesUp` asks; a part of the service itself (a consumer group's membership) is not.
   */
  register(name: string, check: ReadinessCheck, options: { dependency?: boolean } = {}): void {
    this.checks.set(name, check);
    if (options.dependency ?? true) this.dependencies.add(name);
    else this.dependencies.delete(name);
  }

  /**
   * Whether every dependency answers now. A message whose handling keeps failing while they do
   * fails for a reason of its own, not because PostgreSQL or Kafka is away.
   */
  async dependenciesUp(): Promise<boolean> {
    const outcomes = await Promise.all(
      [...this.dependencies].map((name) => outcomeOf(this.checks.get(name) as ReadinessCheck)),
    );
    return outcomes.every((outcome) => outcome === 'ok');
  }

  /**
   * A part whose failure only a restart mends (a consumer kafkajs gave up on): `failure` answers why
   * it failed, or null. Liveness fails with it, so the orchestrator restarts the process.
   */
  registerLiveness(name: string, failure: () => string | null): void {
    this.liveness.set(name, failure);
  }

  /** The parts that failed for good, by name; empty while the process is healthy. */
  failures(): Record<string, string> {
    const failed: Record<string, string> = {};
    for (const [name, failure] of this.liveness) {
      const reason = failure();
      if (reason !== null) failed[name] = reason;
    }
    return failed;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  onModuleDestroy(): void {
    this.draining = true;
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await outcomeOf(check)] as const),
    );
    const checks: Record<string, string> = Object.fromEntries(entries);
    if (this.draining) checks.shutdown = 'shutting down';
    return {
      ready: !this.draining && entries.every(([, outcome]) => outcome === 'ok'),
      checks,
    };
  }
}

async function outcomeOf(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return 'ok';
  } catch (error) {
    const message = (error as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
