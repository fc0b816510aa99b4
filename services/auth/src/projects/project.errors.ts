import { CodedError, type FieldError } from '@llmlab/messaging';
import { assertUnreachable } from '@llmlab/domain';

export enum ProjectErrorCode {
  NotFound = 'PROJECT_NOT_FOUND',
  AlreadyExists = 'PROJECT_ALREADY_EXISTS',
  Archived = 'PROJECT_ARCHIVED',
  Invalid = 'PROJECT_INVALID',
  Forbidden = 'PROJECT_FORBIDDEN',
}

function statusOf(code: ProjectErrorCode): number {
  switch (code) {
    case ProjectErrorCode.NotFound:
      return 404;
    case ProjectErrorCode.AlreadyExists:
    case ProjectErrorCode.Archived:
      return 409;
    case ProjectErrorCode.Invalid:
      return 400;
    case ProjectErrorCode.Forbidden:
      return 403;
    default:
      return assertUnreachable(code);
  }
}

export class ProjectError extends CodedError<ProjectErrorCode> {
  constructor(code: ProjectErrorCode, message: string, errors?: FieldError[]) {
    super(code, statusOf(code), message, errors);
  }
}

/** The same answer for a missing project and one of another organization. */
export function projectNotFound(): ProjectError {
  return new ProjectError(ProjectErrorCode.NotFound, 'project not found');
}
