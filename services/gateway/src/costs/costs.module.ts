import { Module } from '@nestjs/common';
import { OrganizationCostsController, ProjectCostsController } from './costs.controller';

/** Cost summaries and breakdowns of a project or an organization, answered by the ingestion service. */
@Module({ controllers: [ProjectCostsController, OrganizationCostsController] })
export class CostsModule {}
