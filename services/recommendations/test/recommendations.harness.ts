import { ServiceHarness } from '@llmlab/testing';
import { recommendationsEnv } from '../src/recommendations.config';
import { RecommendationsModule } from '../src/recommendations.module';

/**
 * The recommendations service in this process, as `main.ts` boots it (the shared `ServiceHarness`), with what its
 * tests add: waiting for its projections to apply the events appended so far.
 */
export class RecommendationsHarness extends ServiceHarness {
  static async start(env: Record<string, string> = {}): Promise<RecommendationsHarness> {
    return new RecommendationsHarness(
      await ServiceHarness.launch({ name: 'recommendations', env: recommendationsEnv, module: RecommendationsModule }, { env }),
    );
  }

  async settled(timeoutMs = 20_000): Promise<void> {
    await this.projected('recommendations', 'traffic', 'ingestion', timeoutMs);
    await this.projected('recommendations', 'recommendations', 'recommendations', timeoutMs);
  }
}
