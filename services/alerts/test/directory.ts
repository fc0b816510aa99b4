import { authStreams } from '@llmlab/contracts';
import type { AlertsHarness } from './alerts.harness';
import type { Tenant } from './fixtures';

/** Names the organization and the project as the auth service would, and waits until the alerts service knows them. */
export async function nameTenant(h: AlertsHarness, tenant: Tenant, organization: string, project: string): Promise<void> {
  const metadata = { actor: { type: 'user' as const, id: 'user-1' }, organizationId: tenant.organizationId, correlationId: 'names' };
  const at = new Date().toISOString();
  await h.runtime.eventStore.appendToStream(
    authStreams.organization(tenant.organizationId),
    [
      {
        type: 'OrganizationCreated',
        data: { organizationId: tenant.organizationId, name: organization, createdBy: 'user-1', createdAt: at },
        metadata,
      },
    ],
    { expectedRevision: 'any' },
  );
  await h.runtime.eventStore.appendToStream(
    authStreams.project(tenant.projectId),
    [
      {
        type: 'ProjectCreated',
        data: {
          projectId: tenant.projectId,
          organizationId: tenant.organizationId,
          name: project,
          description: null,
          createdBy: 'user-1',
          createdAt: at,
        },
        metadata,
      },
    ],
    { expectedRevision: 'any' },
  );
  await h.until(
    async () =>
      (await h.count('SELECT count(*) AS n FROM alerts.directory_names WHERE organization_id = $1', [tenant.organizationId])) === 2,
    'the directory names',
  );
}
