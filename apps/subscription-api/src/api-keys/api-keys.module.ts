import { Module } from '@nestjs/common';
import { KafkaModule } from '@herald/kafka';
import { OutboxModule } from '../outbox/outbox.module';
import { ApiKeyRotationController } from './api-key-rotation.controller';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysGrpcController } from './api-keys.grpc';
import { ApiKeysService } from './api-keys.service';

@Module({
  imports: [KafkaModule, OutboxModule],
  controllers: [ApiKeysController, ApiKeyRotationController, ApiKeysGrpcController],
  providers: [ApiKeysService],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}
