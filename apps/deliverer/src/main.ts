import 'reflect-metadata';
import { runService } from '@herald/runtime';
import { DelivererModule } from './deliverer.module';

runService('deliverer', (config) => DelivererModule.forRoot(config));
