import { Module } from '@nestjs/common';
import { TenantsController } from './tenants.controller';
import { TenantsGrpcController } from './tenants.grpc';
import { TenantsService } from './tenants.service';

@Module({ controllers: [TenantsController, TenantsGrpcController], providers: [TenantsService] })
export class TenantsModule {}
