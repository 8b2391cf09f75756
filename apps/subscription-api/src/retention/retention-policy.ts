import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import { formatDuration, isPastRetention, retentionCutoff } from '@herald/domain';
import { RetentionRepository } from '@herald/persistence';
import { ApiError, notFound } from '../errors/api-error';
import type { SubscriptionApiConfig } from '../subscription-api.config';

/** Tells history purged past retention apart from ids that were never there. */
@Injectable()
export class RetentionPolicy {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: SubscriptionApiConfig,
    private readonly retention: RetentionRepository,
  ) {}

  /**
   * The error for a record not found: `expired` when its id dates from before the tenant's
   * retention cutoff (it was purged, or never existed — either way it is not coming back), else
   * `not_found`. Both answer 404; the code says which.
   */
  async missing(tenantId: string, what: string, id: string): Promise<ApiError> {
    const retentionMs = await this.retention.retentionOf(tenantId, this.config.retention.ms);
    if (!isPastRetention(id, retentionCutoff(Date.now(), retentionMs))) return notFound(what, id);
    return new ApiError(
      'expired',
      `${what} ${id} is older than this tenant's retention of ${formatDuration(retentionMs)}; its history has been purged`,
    );
  }
}
