import type { ProjectEvent } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { projectDecider } from './project.decider';

const spec = deciderSpec(projectDecider);
const at = '2026-11-27T10:00:00.000Z';
const later = '2026-11-27T11:00:00.000Z';
const actor = { organizationId: 'org-1', actorId: 'u-1', actorRole: 'admin' as const, at: later };
const created: ProjectEvent = {
  type: 'ProjectCreated',
  data: { projectId: 'p-1', organizationId: 'org-1', name: 'Bot', description: null, createdBy: 'u-1', createdAt: at },
};
const archived: ProjectEvent = {
  type: 'ProjectArchived',
  data: { projectId: 'p-1', organizationId: 'org-1', archivedBy: 'u-1', archivedAt: later },
};

describe('project decider', () => {
  it('creates a project for an admin', () =>
    spec
      .given([])
      .when({ type: 'CreateProject', data: { ...actor, at, projectId: 'p-1', name: ' Bot ', description: '  ' } })
      .then([created]));

  it('does not let a member create a project', () =>
    spec
      .given([])
      .when({ type: 'CreateProject', data: { ...actor, actorRole: 'member', projectId: 'p-1', name: 'Bot', description: null } })
      .thenThrows({ code: 'PROJECT_FORBIDDEN' }));

  it('answers a non-member as if the project did not exist', () =>
    spec
      .given([created])
      .when({ type: 'UpdateProject', data: { ...actor, actorRole: null, name: 'x' } })
      .thenThrows({ code: 'PROJECT_NOT_FOUND' }));

  it("answers another organization's project as not found", () =>
    spec
      .given([created])
      .when({ type: 'ArchiveProject', data: { ...actor, organizationId: 'org-2' } })
      .thenThrows({ code: 'PROJECT_NOT_FOUND' }));

  it('renames and describes, recording only what changed', () =>
    spec
      .given([created])
      .when({ type: 'UpdateProject', data: { ...actor, name: 'Bot', description: 'answers tickets' } })
      .then([
        {
          type: 'ProjectUpdated',
          data: { projectId: 'p-1', organizationId: 'org-1', description: 'answers tickets', updatedBy: 'u-1', updatedAt: later },
        },
      ]));

  it('records nothing for an update that changes nothing', () =>
    spec
      .given([created])
      .when({ type: 'UpdateProject', data: { ...actor, name: 'Bot', description: null } })
      .thenNothing());

  it('archives once; archiving again changes nothing', () => {
    spec.given([created]).when({ type: 'ArchiveProject', data: actor }).then([archived]);
    spec.given([created, archived]).when({ type: 'ArchiveProject', data: actor }).thenNothing();
  });

  it('refuses changes to an archived project', () =>
    spec
      .given([created, archived])
      .when({ type: 'UpdateProject', data: { ...actor, name: 'Back' } })
      .thenThrows({ code: 'PROJECT_ARCHIVED' }));

  it('refuses a name over 100 characters', () =>
    spec
      .given([created])
      .when({ type: 'UpdateProject', data: { ...actor, name: 'x'.repeat(101) } })
      .thenThrows({ code: 'PROJECT_INVALID', errors: [{ field: '/name' }] }));
});
