import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { recommendationsEnv } from './recommendations.config';
import { RecommendationsModule } from './recommendations.module';

void bootstrapDomainService({ name: 'recommendations', env: recommendationsEnv, module: RecommendationsModule });
