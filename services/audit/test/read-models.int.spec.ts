import { createTestDatabase, expectEveryModelQueries, TestDatabase } from '@llmlab/testing';
import { Prisma } from '../src/generated/prisma/client';
import { createPrismaClient } from '../src/read-models/prisma';

// Drift guard: the Prisma schema is kept in step with the SQL migrations by hand; a model whose table or
// columns differ from the migrated database fails here.
describe('audit read models', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('queries every Prisma model on a freshly migrated database', async () => {
    const prisma = createPrismaClient(db.url);
    try {
      await expectEveryModelQueries(prisma, Object.values(Prisma.ModelName));
    } finally {
      await prisma.$disconnect();
    }
  });
});
