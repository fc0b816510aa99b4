import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';
import { AuthController } from './auth.controller';
import { JwksController } from './jwks.controller';
import { MeController } from './me.controller';
import { InvitationAcceptanceController, InvitationsController } from './invitations.controller';
import { MembersController } from './members.controller';
import { OperatorController } from './operator.controller';
import { OrganizationsController } from './organizations.controller';
import { OrganizationProjectsController, ProjectsController } from './projects.controller';

/** The routes of the auth service: accounts, sessions, organizations, members, projects, API keys, and the operator's. */
@Module({
  controllers: [
    AuthController,
    JwksController,
    MeController,
    OrganizationsController,
    MembersController,
    InvitationsController,
    InvitationAcceptanceController,
    OrganizationProjectsController,
    ProjectsController,
    ApiKeysController,
    OperatorController,
  ],
})
export class AuthRoutesModule {}
