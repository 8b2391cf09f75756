import { Module } from '@nestjs/common';
import { DeliveriesModule } from '../deliveries';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersGrpcController } from './dead-letters.grpc';
import { DeadLetterDepth } from './dead-letter-depth';
import { DeadLettersService } from './dead-letters.service';

@Module({
  imports: [DeliveriesModule],
  controllers: [DeadLettersController, DeadLettersGrpcController],
  providers: [DeadLettersService, DeadLetterDepth],
})
export class DeadLettersModule {}
