type Delegate = { findFirst(args?: unknown): Promise<unknown>; count(args?: unknown): Promise<number> };

/**
 * Queries every model of a Prisma client (all scalar columns), so a model whose table or columns drifted from the
 * SQL migrations fails. `modelNames` comes from the generated `Prisma.ModelName`.
 */
export async function expectEveryModelQueries(client: object, modelNames: string[]): Promise<void> {
  expect(modelNames.length).toBeGreaterThan(0);
  for (const model of modelNames) {
    const delegate = (client as Record<string, Delegate>)[model.charAt(0).toLowerCase() + model.slice(1)];
    expect(delegate).toBeDefined();
    await expect(delegate.findFirst()).resolves.toBeDefined();
    await expect(delegate.count()).resolves.toBeGreaterThanOrEqual(0);
  }
}
