import {
  ingestionSubjects as s,
  USAGE_LEDGER_KEYS_MAX_MONTHS,
  type RequestEnvelope,
  type RequestOf,
  type UsageLedgerKeysReply,
  type UsageLedgerKeysRequest,
} from '@llmlab/contracts';
import { isUuid, organizationScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { validationFailed } from '../ingestion.errors';
import { UsageLedgerKeys } from './usage-ledger-keys';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * The keys of a project's sealed usage months for the other services' projections (alerts, recommendations). The
 * subject is internal (the gateway routes nothing to it) and bound to the context's organization: the key subjects
 * name it, so another organization's project yields no key.
 */
@Controller()
export class UsageLedgerKeysController {
  constructor(private readonly keys: UsageLedgerKeys) {}

  @MessagePattern(s.usageLedgerKeys.subject)
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.usageLedgerKeys>>) {
    return handleRequest(s.usageLedgerKeys, envelope, async (request, context): Promise<UsageLedgerKeysReply> => {
      const { organizationId } = organizationScope(context);
      const { projectId, months } = checked(request);
      const found = await this.keys.keys(organizationId, projectId, months);
      return { keys: Object.fromEntries([...found].map(([month, key]) => [month, key.toString('base64url')])) };
    });
  }
}

function checked(request: UsageLedgerKeysRequest): UsageLedgerKeysRequest {
  const { projectId, months } = request ?? {};
  if (typeof projectId !== 'string' || !isUuid(projectId)) throw validationFailed([{ field: '/projectId', message: 'must be a UUID' }]);
  if (
    !Array.isArray(months) ||
    months.length > USAGE_LEDGER_KEYS_MAX_MONTHS ||
    !months.every((m) => typeof m === 'string' && MONTH.test(m))
  ) {
    throw validationFailed([{ field: '/months', message: `must be an array of at most ${USAGE_LEDGER_KEYS_MAX_MONTHS} YYYY-MM months` }]);
  }
  return { projectId: projectId.toLowerCase(), months };
}
