import type { ApiClient } from '../api/client';

/** Charts of one subscription's deliveries by outcome and latency over time. */
export function SubscriptionStats(_props: { client: ApiClient; subscriptionId: string }) {
  return null;
}
