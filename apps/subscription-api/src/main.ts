import 'reflect-metadata';
import { runService } from '@herald/runtime';
import { attachGrpc } from './grpc/attach-grpc';
import { SubscriptionApiModule } from './subscription-api.module';

runService('subscription-api', (config) => SubscriptionApiModule.forRoot(config), attachGrpc);
