/** What `deliveries/` shares with the rest of the API: its module, sending again, and its views. */
export { DeliveriesModule } from './deliveries.module';
export { deliveryPaths, deliverySchemas } from './deliveries.openapi';
export { createdRange } from './delivery-list-query';
export { DeliverySchema } from './delivery.schema';
export {
  presentAttempt,
  presentDelivery,
  presentDeliveryDetail,
  type AttemptView,
  type DeliveryView,
} from './delivery.view';
export { Redelivery, type RedriveRange } from './redelivery.service';
