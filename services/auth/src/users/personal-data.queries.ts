import { Inject, Injectable } from '@nestjs/common';
import {
  type ExportedInvitation,
  type ExportedSession,
  type MembershipView,
  type PersonalDataExport,
  type Role,
  UserErrorCode,
} from '@llmlab/contracts';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { ApiKeyQueries } from '../api-keys/api-key.queries';
import { UserError } from './user.errors';
import { UserQueries } from './user.queries';

interface InvitationRow {
  id: string;
  organizationId: string;
  organizationName: string;
  role: Role;
  status: ExportedInvitation['status'];
  invitedBy: string;
  invitedAt: Date;
  settledAt: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * `GET /v1/me/export` (GDPR art. 15 and 20): everything the auth service holds about the caller, decrypted, as
 * JSON. Never a secret: no password hash, no token or token hash, no API key hash, no other person's address.
 */
@Injectable()
export class PersonalDataQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly users: UserQueries,
    private readonly apiKeys: ApiKeyQueries,
  ) {}

  async export(userId: string, now = new Date()): Promise<PersonalDataExport> {
    const { rows: users } = await this.pool.query<{
      id: string;
      emailHash: string;
      emailCiphertext: string;
      nameCiphertext: string;
      createdAt: Date;
      emailVerifiedAt: Date | null;
    }>(
      `SELECT id, email_hash AS "emailHash", email_ciphertext AS "emailCiphertext", name_ciphertext AS "nameCiphertext",
              created_at AS "createdAt", email_verified_at AS "emailVerifiedAt"
         FROM auth.users WHERE id = $1 AND erased_at IS NULL`,
      [userId],
    );
    if (!users.length) throw new UserError(UserErrorCode.NotFound, 'user not found');
    const [row] = users;
    const [profile, memberships, sent, received, apiKeysCreated, sessions] = await Promise.all([
      this.users.views([row]).then((views) => views.get(userId)!),
      this.pool.query<MembershipView & { joinedAt: Date }>(
        `SELECT m.organization_id AS "organizationId", o.name AS "organizationName", m.role, m.joined_at AS "joinedAt"
           FROM auth.memberships m JOIN auth.organizations o ON o.id = m.organization_id
          WHERE m.user_id = $1 ORDER BY m.joined_at`,
        [userId],
      ),
      this.invitations(`i.invited_by = $1`, userId),
      this.invitations(`i.email_hash = $1`, row.emailHash),
      this.apiKeys.createdBy(userId),
      this.pool.query<{
        id: string;
        createdAt: Date;
        lastUsedAt: Date | null;
        revokedAt: Date | null;
        revokedReason: string | null;
        ip: string | null;
        userAgent: string | null;
      }>(
        `SELECT id, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt",
                revoked_reason AS "revokedReason", ip, user_agent AS "userAgent"
           FROM auth.refresh_token_families WHERE user_id = $1 ORDER BY created_at`,
        [userId],
      ),
    ]);
    return {
      exportedAt: now.toISOString(),
      user: { ...profile, emailVerifiedAt: iso(row.emailVerifiedAt) },
      memberships: memberships.rows.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
      invitations: { sent, received },
      apiKeysCreated,
      sessions: sessions.rows.map((s): ExportedSession => ({
        ...s,
        createdAt: s.createdAt.toISOString(),
        lastUsedAt: iso(s.lastUsedAt),
        revokedAt: iso(s.revokedAt),
      })),
    };
  }

  private async invitations(where: string, value: string): Promise<ExportedInvitation[]> {
    const { rows } = await this.pool.query<InvitationRow>(
      `SELECT i.id, i.organization_id AS "organizationId", o.name AS "organizationName", i.role, i.status,
              i.invited_by AS "invitedBy", i.invited_at AS "invitedAt", i.settled_at AS "settledAt"
         FROM auth.invitations i JOIN auth.organizations o ON o.id = i.organization_id
        WHERE ${where} ORDER BY i.invited_at`,
      [value],
    );
    return rows.map((r) => ({ ...r, invitedAt: r.invitedAt.toISOString(), settledAt: iso(r.settledAt) }));
  }
}
