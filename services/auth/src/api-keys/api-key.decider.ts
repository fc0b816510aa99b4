import {
  API_KEY_SCOPES,
  hasRole,
  type ApiKeyEvent,
  type ApiKeyScope,
  type Role,
  ProjectErrorCode,
  ApiKeyErrorCode,
} from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { ProjectError, projectNotFound } from '../projects/project.errors';
import { ApiKeyError } from './api-key.errors';

const API_KEY_NAME_MAX = 100;

/** The handler reads the project and the actor's role in its organization before deciding. */
interface Actor {
  actorId: string;
  actorRole: Role | null;
  at: string;
}

export type ApiKeyCommand =
  | {
      type: 'CreateApiKey';
      data: Actor & {
        apiKeyId: string;
        organizationId: string;
        projectId: string;
        projectArchived: boolean;
        name: string;
        prefix: string;
        hash: string;
        scopes: ApiKeyScope[];
        expiresAt: string | null;
      };
    }
  /** `projectId` is the project of the route: a key of another project is not found. */
  | { type: 'RevokeApiKey'; data: Actor & { projectId: string } };

export interface ApiKeyState {
  id: string | null;
  projectId: string | null;
  organizationId: string | null;
  prefix: string | null;
  revoked: boolean;
}

const initialState = (): ApiKeyState => ({ id: null, projectId: null, organizationId: null, prefix: null, revoked: false });

function invalid(field: string, message: string): ApiKeyError {
  return new ApiKeyError(ApiKeyErrorCode.Invalid, `${field}: ${message}`, [{ field, message }]);
}

function requireAdmin(role: Role | null): void {
  if (role === null) throw projectNotFound();
  if (!hasRole(role, 'admin')) throw new ApiKeyError(ApiKeyErrorCode.Forbidden, 'managing API keys needs the admin role');
}

function decide(command: ApiKeyCommand, state: ApiKeyState): ApiKeyEvent[] {
  switch (command.type) {
    case 'CreateApiKey': {
      const { apiKeyId, organizationId, projectId, prefix, hash, expiresAt, actorId, actorRole, at } = command.data;
      requireAdmin(actorRole);
      if (command.data.projectArchived) throw new ProjectError(ProjectErrorCode.Archived, 'the project is archived: it takes no new keys');
      if (state.id) throw new ApiKeyError(ApiKeyErrorCode.AlreadyExists, `API key ${apiKeyId} exists`);
      const name = command.data.name.trim();
      if (!name || name.length > API_KEY_NAME_MAX) throw invalid('/name', `must have 1 to ${API_KEY_NAME_MAX} characters`);
      const scopes = [...new Set(command.data.scopes)];
      if (!scopes.length || scopes.some((s) => !API_KEY_SCOPES.includes(s))) {
        throw invalid('/scopes', `must list one or more of ${API_KEY_SCOPES.join(', ')}`);
      }
      if (expiresAt !== null && !(Date.parse(expiresAt) > Date.parse(at))) throw invalid('/expiresAt', 'must be in the future');
      return [
        {
          type: 'ApiKeyCreated',
          data: { apiKeyId, organizationId, projectId, name, prefix, hash, scopes, expiresAt, createdBy: actorId, createdAt: at },
        },
      ];
    }
    case 'RevokeApiKey': {
      const { projectId, actorId, actorRole, at } = command.data;
      requireAdmin(actorRole);
      if (!state.id || state.projectId !== projectId) throw new ApiKeyError(ApiKeyErrorCode.NotFound, 'API key not found');
      if (state.revoked) return [];
      return [
        {
          type: 'ApiKeyRevoked',
          data: {
            apiKeyId: state.id,
            organizationId: state.organizationId!,
            projectId,
            prefix: state.prefix!,
            revokedBy: actorId,
            revokedAt: at,
          },
        },
      ];
    }
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: ApiKeyState, event: ApiKeyEvent): ApiKeyState {
  switch (event.type) {
    case 'ApiKeyCreated':
      return {
        id: event.data.apiKeyId,
        projectId: event.data.projectId,
        organizationId: event.data.organizationId,
        prefix: event.data.prefix,
        revoked: false,
      };
    case 'ApiKeyRevoked':
      return { ...state, revoked: true };
    default:
      return assertUnreachable(event);
  }
}

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState> = { decide, evolve, initialState };
