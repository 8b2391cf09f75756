import { Module } from '@nestjs/common';
import { RetentionPolicy } from './retention-policy';
import { RetentionPurger } from './retention-purger';

/**
 * History past retention: purged on a timer, and told apart from ids that never were. The purger
 * runs once however many modules import this one for `RetentionPolicy` (a module is a singleton).
 */
@Module({ providers: [RetentionPurger, RetentionPolicy], exports: [RetentionPolicy] })
export class RetentionModule {}
