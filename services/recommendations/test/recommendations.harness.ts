import { ServiceHarness } from '@llmlab/testing';
import { RecommendationsModule } from '../src/recommendations.module';

/**
 * The recommendations service in this process, as `main.ts` boots it (the shared `ServiceHarness`), with what its
 * tests add: waiting for its traffic projection to apply the ingestion events appended so far.
 */
export class RecommendationsHarness extends ServiceHarness {
  static async start(): Promise<RecommendationsHarness> {
    return new RecommendationsHarness(await ServiceHarness.launch({ name: 'recommendations', module: RecommendationsModule }));
  }

  async settled(timeoutMs = 20_000): Promise<void> {
    await this.projected('recommendations', 'traffic', 'ingestion', timeoutMs);
  }
}
