import { Inject, Injectable } from '@nestjs/common';
import {
  DeliveriesRepository,
  SubscriptionsRepository,
  type PageRequest,
  type SubscriptionReader,
} from '@herald/persistence';
import { pageResponse } from '../common/pagination';
import { ApiError, type ApiErrorDetail } from '../errors/api-error';
import { presentDelivery, presentDeliveryDetail, type DeliveryView } from '../deliveries';
import { Redelivery, type RedriveRange } from '../deliveries';
import { REDRIVE_MAX } from './dead-letter.schema';
import type { RedriveSelector } from './redrive-input';

export interface RedriveResult {
  redriven: number;
  deliveries: DeliveryView[];
  has_more: boolean;
}

/** Dead deliveries of one tenant, with their attempt history, and sending them again. */
@Injectable()
export class DeadLettersService {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    @Inject(SubscriptionsRepository) private readonly subscriptions: SubscriptionReader,
    private readonly redelivery: Redelivery,
  ) {}

  async list(tenantId: string, range: RedriveRange, includeRedriven: boolean, page: PageRequest) {
    const deadLetters = await this.deliveries.listDeadLetters(
      tenantId,
      { ...range, ...(includeRedriven ? {} : { redriven: false }) },
      page,
    );
    const attempts = await this.deliveries.listAttemptsOf(
      tenantId,
      deadLetters.data.map((deadLetter) => deadLetter.id),
    );
    return pageResponse(deadLetters, (deadLetter) =>
      presentDeliveryDetail(deadLetter, attempts.get(deadLetter.id) ?? []),
    );
  }

  async redrive(tenantId: string, selector: RedriveSelector): Promise<RedriveResult> {
    if ('ids' in selector) return this.redriveIds(tenantId, selector.ids);
    const { claimed, created } = await this.redelivery.redriveRange(
      tenantId,
      selector.range,
      ['dead'],
      REDRIVE_MAX,
    );
    return {
      redriven: created.length,
      deliveries: created.map(presentDelivery),
      has_more: claimed === REDRIVE_MAX,
    };
  }

  /** Explicit ids are sent again even when an earlier redrive already did; each must be a dead letter. */
  private async redriveIds(tenantId: string, ids: readonly string[]): Promise<RedriveResult> {
    const found = new Map(
      (await this.deliveries.getMany(tenantId, ids)).map((delivery) => [delivery.id, delivery]),
    );
    const live = new Map<string, boolean>();
    for (const subscriptionId of new Set([...found.values()].map((d) => d.subscriptionId))) {
      live.set(subscriptionId, (await this.subscriptions.get(tenantId, subscriptionId)) !== null);
    }
    const problems: ApiErrorDetail[] = [];
    ids.forEach((id, index) => {
      const delivery = found.get(id);
      if (delivery?.status !== 'dead') {
        problems.push({ field: `ids[${index}]`, message: 'is not a dead letter' });
      } else if (!live.get(delivery.subscriptionId)) {
        problems.push({ field: `ids[${index}]`, message: 'belongs to a deleted subscription' });
      }
    });
    if (problems.length > 0) {
      throw new ApiError(
        'validation_failed',
        `request is invalid: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
        problems,
      );
    }
    const created = await this.redelivery.resend(tenantId, [...found.values()]);
    return { redriven: created.length, deliveries: created.map(presentDelivery), has_more: false };
  }
}
