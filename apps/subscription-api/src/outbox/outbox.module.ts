import { Module } from '@nestjs/common';
import { OutboxRelay } from './outbox-relay';

/**
 * Publishes what the subscription and API-key changes wrote to the outbox: the modules that write to it
 * import this one (one relay per process: a module is a singleton).
 */
@Module({ providers: [OutboxRelay], exports: [OutboxRelay] })
export class OutboxModule {}
