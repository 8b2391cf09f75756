import { Module } from '@nestjs/common';
import { DeliveryDispatcher } from './delivery-dispatcher';

/** Sends deliveries to the deliverer: events, redelivery and tests import it. */
@Module({ providers: [DeliveryDispatcher], exports: [DeliveryDispatcher] })
export class DispatchModule {}
