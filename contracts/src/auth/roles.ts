/** Roles of a member in an organization, strongest first (docs/security.md has the permission matrix). */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What an API key may do inside its project; `admin` includes the two others. */
export const API_KEY_SCOPES = ['ingest', 'read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1, viewer: 0 };

/** True when `role` is `minimum` or stronger. */
export function hasRole(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

export function scopesAllow(granted: readonly ApiKeyScope[], required: ApiKeyScope): boolean {
  return granted.includes(required) || granted.includes('admin');
}

/**
 * What each route needs. The gateway checks the caller's role in the route's organization (users) or the
 * key's scopes (API keys; `apiKeyScope: null` means users only). The auth service enforces the finer rules
 * itself (only owners touch owners, the last owner stays, a member may remove only itself).
 */
export const PERMISSIONS = {
  'organization:read': { minRole: 'viewer', apiKeyScope: null, description: 'read the organization' },
  'organization:manage': { minRole: 'owner', apiKeyScope: null, description: 'rename the organization' },
  'members:read': { minRole: 'viewer', apiKeyScope: null, description: 'list members and pending invitations' },
  'members:manage': { minRole: 'admin', apiKeyScope: null, description: 'add, invite and change members (owners only for owners)' },
  'members:remove': {
    minRole: 'viewer',
    apiKeyScope: null,
    description: 'remove a member: anyone may leave; admins remove members, owners remove owners',
  },
  'projects:create': { minRole: 'admin', apiKeyScope: null, description: 'create projects' },
  'project:read': { minRole: 'viewer', apiKeyScope: 'read', description: 'read a project' },
  'project:manage': { minRole: 'admin', apiKeyScope: null, description: 'rename or archive a project' },
  'api-keys:manage': { minRole: 'admin', apiKeyScope: null, description: 'list, create and revoke API keys' },
  'project-data:read': { minRole: 'viewer', apiKeyScope: 'read', description: "read a project's data (usage, costs, ...)" },
  'project-data:write': { minRole: 'member', apiKeyScope: 'admin', description: "change a project's data (budgets, alerts, ...)" },
  ingest: { minRole: 'member', apiKeyScope: 'ingest', description: 'send usage events' },
  'usage:import': {
    minRole: 'admin',
    apiKeyScope: 'ingest',
    description: 'import a file of past usage into a project (backfill, events of any age)',
  },
  // Budgets, alerts and channels belong to the organization, and a key to one project: users only.
  'alerts:read': {
    minRole: 'viewer',
    apiKeyScope: null,
    description: "read the organization's budgets, alerts, deliveries, channels and alert settings",
  },
  'alerts:write': { minRole: 'member', apiKeyScope: null, description: 'create, change and delete budgets; acknowledge alerts' },
  'alerts:configure': {
    minRole: 'admin',
    apiKeyScope: null,
    description: 'add, test and remove notification channels (they hold outbound URLs and secrets); change the alert rules and time zone',
  },
  // Recommendations by id, and across the organization's projects: users only (a key lists its own project's).
  'recommendations:read': { minRole: 'viewer', apiKeyScope: null, description: "read the organization's recommendations" },
  'recommendations:write': { minRole: 'member', apiKeyScope: null, description: 'accept and dismiss recommendations' },
  'recommendations:configure': {
    minRole: 'admin',
    apiKeyScope: null,
    description: "change the organization's model right-sizing table (which cheaper models are suggested for which)",
  },
  // The reconciliation spans the organization's provider bills: users only.
  'reconciliation:read': {
    minRole: 'viewer',
    apiKeyScope: null,
    description: "read the reconciliation of the providers' bills with the recorded spend, and its tolerance",
  },
  'reconciliation:configure': { minRole: 'admin', apiKeyScope: null, description: 'change the reconciliation tolerance' },
  // Provider connections hold admin keys of the organization's provider accounts: owners and admins only.
  'providers:manage': {
    minRole: 'admin',
    apiKeyScope: null,
    description: 'register, read, change and remove provider connections; start syncs and read their runs',
  },
  // A project's provider keys are spent by every call the proxy makes for the project: owners and admins only.
  'provider-keys:manage': {
    minRole: 'admin',
    apiKeyScope: null,
    description: "store, list and remove the project's provider keys and proxy routes, which decide where its proxied calls go",
  },
  // Captured prompts and completions are personal data: their capture and erasure are decided by users, never keys.
  'trace-settings:read': { minRole: 'viewer', apiKeyScope: null, description: "read the organization's content capture settings" },
  'trace-settings:manage': {
    minRole: 'admin',
    apiKeyScope: null,
    description: "turn content capture on or off and set its retention; erase a project's captured content",
  },
  // How long usage detail is kept decides when it is gone for good: owners and admins, never keys.
  'usage-retention:read': { minRole: 'admin', apiKeyScope: null, description: 'read how long the organization keeps its usage detail' },
  'usage-retention:manage': {
    minRole: 'admin',
    apiKeyScope: null,
    description: 'set how long the organization keeps its usage detail (days, or forever)',
  },
  // Erasing an end user destroys what links their usage to them: users decide it, never keys.
  'end-users:erase': {
    minRole: 'admin',
    apiKeyScope: null,
    description: 'erase an end user of a project: their id in usage, breakdowns and traces, and their captured content',
  },
  // The audit log names who did what across the organization: owners and admins, never keys.
  'audit:read': {
    minRole: 'admin',
    apiKeyScope: null,
    description: "query and export the organization's audit log, with proofs that its events are in the signed log",
  },
  'pricing:manage': { minRole: 'admin', apiKeyScope: null, description: "set and remove the organization's price overrides" },
  'pricing:refresh': {
    minRole: 'admin',
    apiKeyScope: null,
    description: 'refresh the shared price catalog from its data source (rate-limited; only the operator organizations when configured)',
  },
} as const satisfies Record<string, { minRole: Role; apiKeyScope: ApiKeyScope | null; description: string }>;

export type Permission = keyof typeof PERMISSIONS;
