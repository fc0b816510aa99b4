import { DynamicModule, Inject, Injectable, type InjectionToken, Module, OnApplicationShutdown } from '@nestjs/common';
import type { ServiceRuntime } from './runtime';
import { RUNTIME } from './tokens';

interface Disconnectable {
  $disconnect(): Promise<void>;
}

/**
 * Provides a service's Prisma client (its read models, on its own schema) under the client's class as the
 * injection token, and disconnects it on shutdown. Each service passes its generated class and factory.
 */
@Module({})
export class PrismaReadModelsModule {
  static forClient<T extends Disconnectable>(token: InjectionToken, create: (databaseUrl: string) => T): DynamicModule {
    @Injectable()
    class PrismaDisconnect implements OnApplicationShutdown {
      constructor(@Inject(token) private readonly client: T) {}

      async onApplicationShutdown() {
        await this.client.$disconnect();
      }
    }
    return {
      module: PrismaReadModelsModule,
      global: true,
      providers: [
        { provide: token, inject: [RUNTIME], useFactory: (runtime: ServiceRuntime) => create(runtime.config.DATABASE_URL) },
        PrismaDisconnect,
      ],
      exports: [token],
    };
  }
}
