import { Inject, Injectable } from '@nestjs/common';
import { type MembershipView, type MeView, type UserView, UserErrorCode } from '@llmlab/contracts';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { openField, SubjectKeyStore } from '@llmlab/crypto';
import { UserError } from './user.errors';

interface UserRow {
  id: string;
  /** Null once the user was erased. */
  emailCiphertext: string | null;
  nameCiphertext: string | null;
  createdAt: Date;
  emailVerifiedAt: Date | null;
}

/** Users as the API shows them: decrypted with their own keys ("[erased]" once a key is destroyed). */
@Injectable()
export class UserQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly subjectKeys: SubjectKeyStore,
  ) {}

  async views(rows: UserRow[]): Promise<Map<string, UserView>> {
    const keys = await this.subjectKeys.getMany(rows.map((r) => r.id));
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          email: openField(keys.get(r.id), r.id, 'email', r.emailCiphertext),
          name: openField(keys.get(r.id), r.id, 'name', r.nameCiphertext),
          createdAt: r.createdAt.toISOString(),
          emailVerified: r.emailVerifiedAt !== null,
        },
      ]),
    );
  }

  /** Asked on every page load of a client: one SQL statement rather than two Prisma queries (a third of the time). */
  async me(userId: string): Promise<MeView> {
    const { rows } = await this.pool.query<UserRow & { memberships: MembershipView[] }>(
      `SELECT u.id, u.email_ciphertext AS "emailCiphertext", u.name_ciphertext AS "nameCiphertext", u.created_at AS "createdAt",
              u.email_verified_at AS "emailVerifiedAt",
              COALESCE(json_agg(json_build_object('organizationId', o.id, 'organizationName', o.name, 'role', m.role) ORDER BY m.joined_at)
                       FILTER (WHERE m.user_id IS NOT NULL), '[]') AS memberships
         FROM auth.users u
         LEFT JOIN auth.memberships m ON m.user_id = u.id
         LEFT JOIN auth.organizations o ON o.id = m.organization_id
        WHERE u.id = $1 AND u.erased_at IS NULL
        GROUP BY u.id`,
      [userId],
    );
    if (!rows.length) throw new UserError(UserErrorCode.NotFound, 'user not found');
    const [row] = rows;
    return { user: (await this.views([row])).get(row.id)!, memberships: row.memberships };
  }
}
