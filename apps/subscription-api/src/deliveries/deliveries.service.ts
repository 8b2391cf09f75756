import { Inject, Injectable } from '@nestjs/common';
import {
  DeliveriesRepository,
  SubscriptionsRepository,
  type DeliveryFilter,
  type PageRequest,
  type SubscriptionReader,
} from '@herald/persistence';
import { pageResponse } from '../common/pagination';
import { ApiError } from '../errors/api-error';
import { RetentionPolicy } from '../retention/retention-policy';
import { deliveriesCsv } from './delivery-csv';
import {
  presentDelivery,
  presentDeliveryDetail,
  type DeliveryDetailView,
  type DeliveryView,
} from './delivery.view';
import { Redelivery } from './redelivery.service';

/** The delivery history of one tenant: list, export, look up with attempts, retry. */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    @Inject(SubscriptionsRepository) private readonly subscriptions: SubscriptionReader,
    private readonly redelivery: Redelivery,
    private readonly retention: RetentionPolicy,
  ) {}

  async list(tenantId: string, filter: DeliveryFilter, page: PageRequest) {
    return pageResponse(await this.deliveries.search(tenantId, filter, page), presentDelivery);
  }

  /** One CSV batch of the same history, newest first, with the cursor of the next batch. */
  async exportCsv(
    tenantId: string,
    filter: DeliveryFilter,
    page: PageRequest,
  ): Promise<{ csv: string; nextCursor: string | null }> {
    const { data, next_cursor } = await this.list(tenantId, filter, page);
    return { csv: deliveriesCsv(data), nextCursor: next_cursor };
  }

  async get(tenantId: string, id: string): Promise<DeliveryDetailView> {
    const [delivery] = await this.deliveries.getMany(tenantId, [id]);
    if (!delivery) throw await this.retention.missing(tenantId, 'delivery', id);
    const attempts = await this.deliveries.listAttempts(tenantId, id);
    return presentDeliveryDetail(delivery, attempts);
  }

  /** Sends the delivery's event to its subscription again now, as a new delivery. */
  async retry(tenantId: string, id: string): Promise<DeliveryView> {
    const delivery = await this.deliveries.get(tenantId, id);
    if (!delivery) throw await this.retention.missing(tenantId, 'delivery', id);
    if (!(await this.subscriptions.get(tenantId, delivery.subscriptionId))) {
      throw new ApiError(
        'conflict',
        `subscription ${delivery.subscriptionId} was deleted; its deliveries cannot be retried`,
      );
    }
    const [created] = await this.redelivery.resend(tenantId, [delivery]);
    return presentDelivery(created);
  }
}
