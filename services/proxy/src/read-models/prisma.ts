import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export const SCHEMA = 'proxy';

/** The Prisma client of this service's read models, bound to its own PostgreSQL schema and nothing else. */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 5 }, { schema: SCHEMA }) });
}

export { PrismaClient };
