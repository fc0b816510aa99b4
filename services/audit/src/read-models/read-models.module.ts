import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { RUNTIME, type ServiceRuntime } from '@llmlab/service-kit';
import { createPrismaClient, PrismaClient } from './prisma';

/** Provides this service's Prisma client (its read models) and closes it on shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: PrismaClient,
      inject: [RUNTIME],
      useFactory: (runtime: ServiceRuntime) => createPrismaClient(runtime.config.DATABASE_URL),
    },
  ],
  exports: [PrismaClient],
})
export class ReadModelsModule implements OnApplicationShutdown {
  constructor(@Inject(PrismaClient) private readonly prisma: PrismaClient) {}

  async onApplicationShutdown() {
    await this.prisma.$disconnect();
  }
}
