import { Transport, type GrpcOptions } from '@nestjs/microservices';
import { ReflectionService } from '@grpc/reflection';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { Server } from '@grpc/grpc-js';
import { ADMIN_PACKAGE, ADMIN_PROTO, protoRoot } from '@herald/contracts';

/** `herald.admin.v1.AdminService` on HERALD_GRPC_PORT, with server reflection. */
export function grpcOptions(port: number): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      package: ADMIN_PACKAGE,
      protoPath: ADMIN_PROTO,
      url: `0.0.0.0:${port}`,
      loader: {
        keepCase: true,
        longs: String,
        enums: String,
        defaults: false,
        arrays: true,
        oneofs: false,
        includeDirs: [protoRoot()],
      },
      onLoadPackageDefinition: (
        definition: PackageDefinition,
        server: Pick<Server, 'addService'>,
      ) => new ReflectionService(definition).addToServer(server),
    },
  };
}
