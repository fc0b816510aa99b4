import { hasRole, type ProjectEvent, type Role, ProjectErrorCode } from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { ProjectError, projectNotFound } from './project.errors';

const PROJECT_NAME_MAX = 100;
const PROJECT_DESCRIPTION_MAX = 1_000;

/**
 * `organizationId` is the tenant the request was authorized for, and `actorRole` the actor's role there (read
 * by the handler from the organization's stream; null when not a member). A project of another organization is
 * not found.
 */
interface Actor {
  organizationId: string;
  actorId: string;
  actorRole: Role | null;
  at: string;
}

export type ProjectCommand =
  | { type: 'CreateProject'; data: Actor & { projectId: string; name: string; description: string | null } }
  | { type: 'UpdateProject'; data: Actor & { name?: string; description?: string | null } }
  | { type: 'ArchiveProject'; data: Actor };

export interface ProjectState {
  id: string | null;
  organizationId: string | null;
  name: string;
  description: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  archivedAt: string | null;
}

const initialState = (): ProjectState => ({
  id: null,
  organizationId: null,
  name: '',
  description: null,
  createdAt: null,
  updatedAt: null,
  archivedAt: null,
});

function invalid(field: string, message: string): ProjectError {
  return new ProjectError(ProjectErrorCode.Invalid, `${field}: ${message}`, [{ field, message }]);
}

function validName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > PROJECT_NAME_MAX) throw invalid('/name', `must have 1 to ${PROJECT_NAME_MAX} characters`);
  return trimmed;
}

function validDescription(description: string | null): string | null {
  if (description === null) return null;
  if (description.length > PROJECT_DESCRIPTION_MAX)
    throw invalid('/description', `must have at most ${PROJECT_DESCRIPTION_MAX} characters`);
  return description.trim() || null;
}

function requireAdmin(role: Role | null, what: string): void {
  if (role === null) throw projectNotFound();
  if (!hasRole(role, 'admin')) throw new ProjectError(ProjectErrorCode.Forbidden, `${what} needs the admin role`);
}

function decide(command: ProjectCommand, state: ProjectState): ProjectEvent[] {
  switch (command.type) {
    case 'CreateProject': {
      const { projectId, organizationId, actorId, actorRole, at } = command.data;
      requireAdmin(actorRole, 'creating a project');
      if (state.id) throw new ProjectError(ProjectErrorCode.AlreadyExists, `project ${projectId} exists`);
      return [
        {
          type: 'ProjectCreated',
          data: {
            projectId,
            organizationId,
            name: validName(command.data.name),
            description: validDescription(command.data.description),
            createdBy: actorId,
            createdAt: at,
          },
        },
      ];
    }
    case 'UpdateProject': {
      const { actorId, actorRole, at } = command.data;
      if (!state.id || state.organizationId !== command.data.organizationId) throw projectNotFound();
      requireAdmin(actorRole, 'changing a project');
      if (state.archivedAt) throw new ProjectError(ProjectErrorCode.Archived, 'the project is archived');
      const changes: { name?: string; description?: string | null } = {};
      if (command.data.name !== undefined && validName(command.data.name) !== state.name) changes.name = validName(command.data.name);
      if (command.data.description !== undefined) {
        const description = validDescription(command.data.description);
        if (description !== state.description) changes.description = description;
      }
      if (!Object.keys(changes).length) return [];
      return [
        {
          type: 'ProjectUpdated',
          data: { projectId: state.id, organizationId: state.organizationId, ...changes, updatedBy: actorId, updatedAt: at },
        },
      ];
    }
    case 'ArchiveProject': {
      const { actorId, actorRole, at } = command.data;
      if (!state.id || state.organizationId !== command.data.organizationId) throw projectNotFound();
      requireAdmin(actorRole, 'archiving a project');
      if (state.archivedAt) return [];
      return [
        {
          type: 'ProjectArchived',
          data: { projectId: state.id, organizationId: state.organizationId, archivedBy: actorId, archivedAt: at },
        },
      ];
    }
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: ProjectState, event: ProjectEvent): ProjectState {
  switch (event.type) {
    case 'ProjectCreated':
      return {
        id: event.data.projectId,
        organizationId: event.data.organizationId,
        name: event.data.name,
        description: event.data.description,
        createdAt: event.data.createdAt,
        updatedAt: event.data.createdAt,
        archivedAt: null,
      };
    case 'ProjectUpdated':
      return {
        ...state,
        name: event.data.name ?? state.name,
        description: event.data.description !== undefined ? event.data.description : state.description,
        updatedAt: event.data.updatedAt,
      };
    case 'ProjectArchived':
      return { ...state, archivedAt: event.data.archivedAt, updatedAt: event.data.archivedAt };
    default:
      return assertUnreachable(event);
  }
}

export const projectDecider: Decider<ProjectCommand, ProjectEvent, ProjectState> = { decide, evolve, initialState };
