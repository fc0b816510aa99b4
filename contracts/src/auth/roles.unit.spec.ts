import { hasRole, PERMISSIONS, ROLES, scopesAllow } from './roles';

describe('roles and scopes', () => {
  it('orders roles owner > admin > member > viewer', () => {
    expect(ROLES.filter((r) => hasRole(r, 'admin'))).toEqual(['owner', 'admin']);
    expect(ROLES.every((r) => hasRole(r, 'viewer'))).toBe(true);
    expect(hasRole('viewer', 'member')).toBe(false);
  });

  it('lets admin-scoped keys do what read and ingest keys do, and nothing more', () => {
    expect(scopesAllow(['admin'], 'read')).toBe(true);
    expect(scopesAllow(['admin'], 'ingest')).toBe(true);
    expect(scopesAllow(['ingest'], 'read')).toBe(false);
    expect(scopesAllow(['read', 'ingest'], 'admin')).toBe(false);
  });

  it('keeps management of members, keys and the organization to users', () => {
    for (const p of [
      'organization:manage',
      'members:manage',
      'api-keys:manage',
      'project:manage',
      'projects:create',
      'pricing:manage',
      'pricing:refresh',
    ] as const) {
      expect(PERMISSIONS[p].apiKeyScope).toBeNull();
    }
  });

  it('keeps the organization-wide budgets, alerts and channels to its users: members write, admins configure', () => {
    const alerts = ['alerts:read', 'alerts:write', 'alerts:configure'] as const;
    expect(alerts.map((p) => PERMISSIONS[p].apiKeyScope)).toEqual([null, null, null]);
    expect(alerts.map((p) => PERMISSIONS[p].minRole)).toEqual(['viewer', 'member', 'admin']);
  });
});
