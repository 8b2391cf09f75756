import { Global, Module } from '@nestjs/common';
import { DeliveryDispatcher } from './delivery-dispatcher';

@Global()
@Module({ providers: [DeliveryDispatcher], exports: [DeliveryDispatcher] })
export class DispatchModule {}
