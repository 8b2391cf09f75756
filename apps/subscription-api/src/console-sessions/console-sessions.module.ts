import { Module } from '@nestjs/common';
import { ConsoleSessionsController } from './console-sessions.controller';
import { ConsoleSessionsGrpcController } from './console-sessions.grpc';
import { ConsoleSessionsService } from './console-sessions.service';

@Module({
  controllers: [ConsoleSessionsController, ConsoleSessionsGrpcController],
  providers: [ConsoleSessionsService],
})
export class ConsoleSessionsModule {}
