import type { AuthEvent, RecordedEvent } from '@llmlab/contracts';
import type { PoolClient } from 'pg';
import { assertUnreachable } from '@llmlab/domain';
import type { ProjectionRef } from '@llmlab/messaging';

/** The projection that builds every auth read model, and the name of its checkpoint row. */
export const AUTH_READ_MODELS: ProjectionRef = { schema: 'auth', projection: 'read-models' };

/**
 * Applies one auth event to the read models, inside the transaction that also moves the projection's
 * checkpoint (applyInTransaction). Every write is idempotent by construction, but the checkpoint is what
 * makes a redelivery a no-op.
 */
export async function applyAuthEvent(tx: PoolClient, recorded: RecordedEvent): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as AuthEvent;
  const revision = recorded.revision;
  switch (event.type) {
    case 'UserRegistered': {
      const d = event.data;
      await tx.query(
        `INSERT INTO auth.users (id, email_hash, email_ciphertext, name_ciphertext, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING`,
        [d.userId, d.emailHash, d.email, d.name, d.registeredAt],
      );
      return;
    }
    case 'EmailVerified': {
      const d = event.data;
      await tx.query(`UPDATE auth.users SET email_verified_at = $2 WHERE id = $1 AND email_verified_at IS NULL`, [d.userId, d.verifiedAt]);
      return;
    }
    case 'UserErased': {
      // The ciphertexts are unreadable once the key is gone; dropping them and the lookup hash as well (from the
      // user and the invitations they settled) leaves no mutable row to try a guessed address against, and frees
      // the hash for a new account with the same address, which must not inherit the old one's history. Pending
      // invitations to the address stay: they are the inviting organization's, for whoever holds the address.
      const d = event.data;
      await tx.query(
        `UPDATE auth.invitations SET email_hash = NULL
          WHERE status <> 'pending' AND email_hash = (SELECT email_hash FROM auth.users WHERE id = $1)`,
        [d.userId],
      );
      await tx.query(
        `UPDATE auth.users SET email_hash = NULL, email_ciphertext = NULL, name_ciphertext = NULL, erased_at = $2 WHERE id = $1`,
        [d.userId, d.erasedAt],
      );
      return;
    }
    case 'OrganizationClosed': {
      const d = event.data;
      await tx.query(`DELETE FROM auth.memberships WHERE organization_id = $1`, [d.organizationId]);
      await tx.query(
        `UPDATE auth.invitations SET status = 'revoked', email_ciphertext = NULL, settled_at = $2 WHERE organization_id = $1 AND status = 'pending'`,
        [d.organizationId, d.closedAt],
      );
      await tx.query(`UPDATE auth.organizations SET closed_at = $2, updated_at = $2, revision = $3 WHERE id = $1`, [
        d.organizationId,
        d.closedAt,
        revision,
      ]);
      return;
    }
    case 'OrganizationCreated': {
      const d = event.data;
      await tx.query(
        `INSERT INTO auth.organizations (id, name, created_at, updated_at, revision) VALUES ($1, $2, $3, $3, $4) ON CONFLICT (id) DO NOTHING`,
        [d.organizationId, d.name, d.createdAt, revision],
      );
      return;
    }
    case 'OrganizationUpdated': {
      const d = event.data;
      await tx.query(
        `UPDATE auth.organizations SET name = COALESCE($2, name),
                management_rate_limit = CASE WHEN $3::boolean THEN $4::integer ELSE management_rate_limit END,
                ingest_rate_limit = CASE WHEN $3::boolean THEN $5::integer ELSE ingest_rate_limit END,
                updated_at = $6, revision = $7
          WHERE id = $1`,
        [
          d.organizationId,
          d.name ?? null,
          d.rateLimits !== undefined,
          d.rateLimits?.managementPerHour ?? null,
          d.rateLimits?.ingestPerHour ?? null,
          d.updatedAt,
          revision,
        ],
      );
      return;
    }
    case 'OrganizationRateLimitsChanged': {
      const d = event.data;
      await tx.query(
        `UPDATE auth.organizations SET management_rate_limit = $2, ingest_rate_limit = $3, updated_at = $4, revision = $5 WHERE id = $1`,
        [d.organizationId, d.rateLimits.managementPerHour, d.rateLimits.ingestPerHour, d.changedAt, revision],
      );
      return;
    }
    case 'MemberAdded': {
      const d = event.data;
      await tx.query(
        `INSERT INTO auth.memberships (organization_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (organization_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
        [d.organizationId, d.userId, d.role, d.addedAt],
      );
      return touchOrganization(tx, d.organizationId, d.addedAt, revision);
    }
    case 'MemberRoleChanged': {
      const d = event.data;
      await tx.query(`UPDATE auth.memberships SET role = $3 WHERE organization_id = $1 AND user_id = $2`, [
        d.organizationId,
        d.userId,
        d.role,
      ]);
      return touchOrganization(tx, d.organizationId, d.changedAt, revision);
    }
    case 'MemberRemoved': {
      const d = event.data;
      await tx.query(`DELETE FROM auth.memberships WHERE organization_id = $1 AND user_id = $2`, [d.organizationId, d.userId]);
      return touchOrganization(tx, d.organizationId, d.removedAt, revision);
    }
    case 'MemberInvited': {
      const d = event.data;
      await tx.query(
        `INSERT INTO auth.invitations (id, organization_id, email_hash, email_ciphertext, role, status, invited_by, invited_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) ON CONFLICT (id) DO NOTHING`,
        [d.invitationId, d.organizationId, d.emailHash, d.email, d.role, d.invitedBy, d.invitedAt],
      );
      return touchOrganization(tx, d.organizationId, d.invitedAt, revision);
    }
    case 'InvitationAccepted':
    case 'InvitationRevoked': {
      const d = event.data;
      const at = event.type === 'InvitationAccepted' ? event.data.acceptedAt : event.data.revokedAt;
      await tx.query(`UPDATE auth.invitations SET status = $2, email_ciphertext = NULL, settled_at = $3 WHERE id = $1`, [
        d.invitationId,
        event.type === 'InvitationAccepted' ? 'accepted' : 'revoked',
        at,
      ]);
      return touchOrganization(tx, d.organizationId, at, revision);
    }
    case 'ProjectCreated': {
      const d = event.data;
      await tx.query(
        `INSERT INTO auth.projects (id, organization_id, name, description, created_at, updated_at, revision)
         VALUES ($1, $2, $3, $4, $5, $5, $6) ON CONFLICT (id) DO NOTHING`,
        [d.projectId, d.organizationId, d.name, d.description, d.createdAt, revision],
      );
      return;
    }
    case 'ProjectUpdated': {
      const d = event.data;
      await tx.query(
        `UPDATE auth.projects SET name = COALESCE($2, name), description = CASE WHEN $3::boolean THEN $4 ELSE description END,
                updated_at = $5, revision = $6
          WHERE id = $1`,
        [d.projectId, d.name ?? null, d.description !== undefined, d.description ?? null, d.updatedAt, revision],
      );
      return;
    }
    case 'ProjectArchived': {
      const d = event.data;
      await tx.query(`UPDATE auth.projects SET archived_at = $2, updated_at = $2, revision = $3 WHERE id = $1`, [
        d.projectId,
        d.archivedAt,
        revision,
      ]);
      return;
    }
    case 'ApiKeyCreated': {
      const d = event.data;
      await tx.query(
        `INSERT INTO auth.api_keys (id, organization_id, project_id, name, prefix, key_hash, scopes, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
        [d.apiKeyId, d.organizationId, d.projectId, d.name, d.prefix, d.hash, d.scopes, d.createdBy, d.createdAt, d.expiresAt],
      );
      return;
    }
    case 'ApiKeyRevoked':
      await tx.query(`UPDATE auth.api_keys SET revoked_at = $2 WHERE id = $1`, [event.data.apiKeyId, event.data.revokedAt]);
      return;
    case 'EmailClaimed':
    case 'EmailReleased':
    case 'UserLoginFailed':
    case 'UserLoggedIn':
    case 'SessionStarted':
    case 'SessionRefreshed':
    case 'SessionRevoked':
    case 'SigningKeyRotated':
      // Write-side bookkeeping and security events for the audit log: sessions and signing keys are read from
      // their own tables, email claims from their streams.
      return;
    default:
      return assertUnreachable(event);
  }
}

function touchOrganization(tx: PoolClient, organizationId: string, at: string, revision: number) {
  return tx
    .query(`UPDATE auth.organizations SET updated_at = $2, revision = $3 WHERE id = $1`, [organizationId, at, revision])
    .then(() => undefined);
}
