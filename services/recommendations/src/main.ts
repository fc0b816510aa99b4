import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { RecommendationsModule } from './recommendations.module';

void bootstrapDomainService({ name: 'recommendations', module: RecommendationsModule });
