import { ProjectErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class ProjectError extends CodedError<ProjectErrorCode> {}

/** The same answer for a missing project and one of another organization. */
export function projectNotFound(): ProjectError {
  return new ProjectError(ProjectErrorCode.NotFound, 'project not found');
}
