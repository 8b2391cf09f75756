import 'reflect-metadata';
import { runService } from '@herald/runtime';
import { EventIngestModule } from './event-ingest.module';

runService('event-ingest', (config) => EventIngestModule.forRoot(config));
