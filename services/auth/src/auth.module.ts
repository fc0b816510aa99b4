import { Module } from '@nestjs/common';
import { ReadModelsModule } from './read-models/read-models.module';

/** The auth service: owns users, organizations, memberships, projects, API keys and refresh-token families. */
@Module({ imports: [ReadModelsModule] })
export class AuthModule {}
