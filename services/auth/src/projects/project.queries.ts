import { Injectable } from '@nestjs/common';
import type { ListProjectsRequest, Page, ProjectView } from '@llmlab/contracts';
import { PrismaClient } from '../read-models/prisma';
import { projectNotFound } from './project.errors';
import { type OrganizationScope, type ProjectScope } from '@llmlab/domain';

interface ProjectRow {
  id: string;
  organizationId: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
  revision: number;
}

function view(row: ProjectRow): ProjectView {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
    revision: row.revision,
  };
}

@Injectable()
export class ProjectQueries {
  constructor(private readonly prisma: PrismaClient) {}

  async list(scope: OrganizationScope, request: ListProjectsRequest): Promise<Page<ProjectView>> {
    const rows = await this.prisma.project.findMany({
      where: { organizationId: scope.organizationId, ...(request.includeArchived ? {} : { archivedAt: null }) },
      orderBy: { createdAt: 'asc' },
    });
    return { data: rows.map(view) };
  }

  async get(scope: ProjectScope): Promise<ProjectView> {
    const row = await this.prisma.project.findFirst({ where: { id: scope.projectId, organizationId: scope.organizationId } });
    if (!row) throw projectNotFound();
    return view(row);
  }
}
