import { Global, Module } from '@nestjs/common';
import { RetentionPolicy } from './retention-policy';
import { RetentionPurger } from './retention-purger';

/** History past retention: purged on a timer, and told apart from ids that never were. */
@Global()
@Module({ providers: [RetentionPurger, RetentionPolicy], exports: [RetentionPolicy] })
export class RetentionModule {}
