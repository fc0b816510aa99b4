import { Module, type OnModuleInit } from '@nestjs/common';
import { ResourceOwners } from '../identity/resource-owners';
import { ServiceClient } from '../messaging/service-client';
import {
  ModelEquivalenceController,
  OrganizationForecastController,
  OrganizationRecommendationsController,
  OrganizationWhatIfController,
  ProjectForecastController,
  ProjectRouteTrafficController,
  ProjectRecommendationsController,
  ProjectWhatIfController,
  RecommendationsController,
} from './recommendations.controller';
import { registerRecommendationOwners } from './recommendations-owners';

/**
 * The routes of the recommendations service. `/v1/recommendations/{recommendationId}` is authorized in the
 * organization that owns the id, which the recommendations service names (`recommendations.query.resolve-owner`).
 */
@Module({
  controllers: [
    ProjectRecommendationsController,
    OrganizationRecommendationsController,
    RecommendationsController,
    ProjectWhatIfController,
    OrganizationWhatIfController,
    ProjectForecastController,
    ProjectRouteTrafficController,
    OrganizationForecastController,
    ModelEquivalenceController,
  ],
})
export class RecommendationsRoutesModule implements OnModuleInit {
  constructor(
    private readonly owners: ResourceOwners,
    private readonly client: ServiceClient,
  ) {}

  onModuleInit(): void {
    registerRecommendationOwners(this.owners, this.client);
  }
}
