import { setTimeout as sleep } from 'node:timers/promises';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import { ENDED_CONSOLE_SESSION_KEPT_MS, retentionCutoff } from '@herald/domain';
import { ConsoleSessionsRepository, RetentionRepository, type Purged } from '@herald/persistence';
import { JsonLogger } from '@herald/observability';
import type { SubscriptionApiConfig } from '../subscription-api.config';

/**
 * A breath between full chunks: a backlog (retention first turned on, or shortened) is purged at
 * about half a core of PostgreSQL rather than a whole one, next to the hot path on the same server.
 * A statement that found less than a chunk ends its walk without one, so a tenant with little or
 * nothing to purge costs two index probes and no wait (with thousands of tenants, a pause after
 * every statement made one pass take longer than the interval).
 */
const CHUNK_PAUSE_MS = 10;

/** What one pass removed: history past retention, and console sessions that ended. */
export type PassPurged = Purged & { consoleSessions: number };

/**
 * Purges history past retention every `HERALD_RETENTION_INTERVAL`. It runs in subscription-api, the
 * owner of the history and off the delivery path, so the purge never takes a connection or a core
 * from ingest, matching or delivery; replicas take turns through an advisory lock, so any number of
 * them is safe and one that is stopped mid-pass leaves nothing half done (each chunk commits alone).
 */
@Injectable()
export class RetentionPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopping = false;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: SubscriptionApiConfig,
    private readonly retention: RetentionRepository,
    private readonly consoleSessions: ConsoleSessionsRepository,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.retention.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.purge()
      .catch((error: unknown) => {
        this.logger.event('warn', 'retention purge failed; will try again', {
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        this.running = null;
      });
  }

  /**
   * One pass over every tenant, each up to its own cutoff; null when another replica holds the lock.
   * One log line per pass that removed anything.
   */
  async purge(now: number = Date.now()): Promise<PassPurged | null> {
    const started = Date.now();
    const held = await this.retention.whileHoldingPurgeLock(async (query) => {
      // Console sessions end by themselves and are few: one statement, whatever the retention.
      const consoleSessions = await this.consoleSessions.purgeEnded(ENDED_CONSOLE_SESSION_KEPT_MS);
      const total: PassPurged = { events: 0, deliveries: 0, attempts: 0, consoleSessions };
      for (const { tenantId, retentionMs } of await this.retention.tenants(
        this.config.retention.ms,
        now,
      )) {
        if (this.stopping) break;
        const purged = await this.retention.purgeTenant(
          tenantId,
          retentionCutoff(now, retentionMs),
          undefined,
          query,
          () => sleep(CHUNK_PAUSE_MS),
        );
        total.events += purged.events;
        total.deliveries += purged.deliveries;
        total.attempts += purged.attempts;
      }
      return total;
    });
    if (held === null) return null;
    const total = held.result;
    if (total.events + total.deliveries + total.attempts + total.consoleSessions > 0) {
      this.logger.event('info', 'retention purge', {
        events: total.events,
        deliveries: total.deliveries,
        attempts: total.attempts,
        console_sessions: total.consoleSessions,
        duration_ms: Date.now() - started,
      });
    }
    return total;
  }
}
