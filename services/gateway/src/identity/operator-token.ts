import { sameSecret } from '@llmlab/crypto';

/**
 * The operator's credential (OPERATOR_API_TOKEN): one shared secret, held by whoever runs the platform, that no
 * tenant credential can stand for. Unset, the operator routes do not exist (404).
 */
export class OperatorToken {
  constructor(private readonly token: string | undefined) {}

  get enabled(): boolean {
    return this.token !== undefined;
  }

  matches(presented: string | undefined): boolean {
    return this.token !== undefined && presented !== undefined && sameSecret(presented, this.token);
  }
}
