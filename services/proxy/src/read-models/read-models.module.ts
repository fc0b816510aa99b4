import { PrismaReadModelsModule } from '@llmlab/service-kit';
import { createPrismaClient, PrismaClient } from './prisma';

/** This service's Prisma client (its read models), injectable as `PrismaClient`, closed on shutdown. */
export const ReadModelsModule = PrismaReadModelsModule.forClient(PrismaClient, createPrismaClient);
