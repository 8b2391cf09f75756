import 'reflect-metadata';
import { runService } from '@herald/runtime';
import { MatcherModule } from './matcher.module';

runService('matcher', (config) => MatcherModule.forRoot(config));
